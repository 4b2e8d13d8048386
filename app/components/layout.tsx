import { Form, Link, useLocation } from "@remix-run/react";
import { translator, UI_LANGUAGES, NATIVE_NAMES, type UiLang } from "~/i18n";

/** Links to the same page in each UI language (works without JavaScript). */
export function LanguageSwitcher({ lang }: { lang: UiLang }) {
  const location = useLocation();
  const { t } = translator(lang);
  return (
    <nav aria-label={t("lang.switch")} className="lang-switcher">
      <ul>
        {UI_LANGUAGES.map((code) => {
          const params = new URLSearchParams(location.search);
          params.set("lang", code);
          return (
            <li key={code}>
              <a href={`${location.pathname}?${params.toString()}`} hrefLang={code} lang={code} aria-current={code === lang ? "true" : undefined}>
                {NATIVE_NAMES[code]}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

export function SiteHeader({ lang, signedIn = false }: { lang: UiLang; signedIn?: boolean }) {
  const { t } = translator(lang);
  return (
    <header className="site-header">
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <div className="container header-row">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>{t("app.name")}</span>
        </Link>
        <nav aria-label={t("app.name")} className="main-nav">
          <ul>
            <li>
              <Link to="/">{t("nav.home")}</Link>
            </li>
            {signedIn ? (
              <>
                <li>
                  <Link to="/dashboard">{t("nav.dashboard")}</Link>
                </li>
                <li>
                  <Form method="post" action="/logout">
                    <button type="submit" className="link-button">
                      {t("nav.signOut")}
                    </button>
                  </Form>
                </li>
              </>
            ) : (
              <li>
                <Link to="/login">{t("nav.signIn")}</Link>
              </li>
            )}
          </ul>
        </nav>
        <LanguageSwitcher lang={lang} />
      </div>
    </header>
  );
}

export function SiteFooter({ lang }: { lang: UiLang }) {
  const { t } = translator(lang);
  return (
    <footer className="site-footer">
      <div className="container">
        <p>{t("footer.about")}</p>
        <ul className="inline-list">
          <li>
            <Link to="/privacy">{t("footer.privacy")}</Link>
          </li>
          <li>
            <Link to="/my-data">{t("mydata.title")}</Link>
          </li>
          <li>
            <Link to="/verify">{t("verify.title")}</Link>
          </li>
        </ul>
      </div>
    </footer>
  );
}

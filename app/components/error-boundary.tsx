import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { useLang } from "~/i18n/react";
import { translator, UI_LANGUAGES, NATIVE_NAMES } from "~/i18n";
import { SiteFooter, SiteHeader } from "./layout";

/**
 * The one error page: 400, 403, 404, 500 and 503 in the user's language, never a stack trace.
 * `withChrome` adds the header and footer (used by the root, whose layout did not render).
 */
export function GeneralErrorBoundary({ withChrome = false }: { withChrome?: boolean }) {
  const error = useRouteError();
  const lang = useLang();
  const { t } = translator(lang);
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const data: unknown = isRouteErrorResponse(error) ? error.data : null;
  const badLang = data && typeof data === "object" && "badLang" in data && typeof data.badLang === "string" ? data.badLang : null;
  const message = data && typeof data === "object" && "message" in data && typeof data.message === "string" ? data.message : null;

  let title = t("error.500.title");
  let text = t("error.500.text");
  if (status === 400) {
    title = t("error.400.title");
    text = badLang !== null ? t("error.badLang.text", { lang: badLang }) : (message ?? t("error.400.text"));
  } else if (status === 401 || status === 403) {
    title = t("error.403.title");
    text = message ?? t("error.403.text");
  } else if (status === 404) {
    title = t("error.404.title");
    text = message ?? t("error.404.text");
  } else if (status === 503) {
    title = t("error.503.title");
    text = t("error.503.text");
  } else if (status < 500 && message) {
    title = t("error.title");
    text = message;
  }

  const body = (
    <div className="error-page" role="alert">
      <p className="error-code">{status}</p>
      <h1>{title}</h1>
      <p>{text}</p>
      {badLang !== null ? (
        <ul className="inline-list">
          {UI_LANGUAGES.map((code) => (
            <li key={code}>
              <a href={`?lang=${code}`} lang={code} hrefLang={code}>
                {NATIVE_NAMES[code]}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        <a href="/">{t("error.back")}</a>
      </p>
    </div>
  );
  if (!withChrome) return body;
  return (
    <>
      <SiteHeader lang={lang} />
      <main id="main" className="container">
        {body}
      </main>
      <SiteFooter lang={lang} />
    </>
  );
}

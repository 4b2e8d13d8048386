import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { DiffText } from "~/components/diff-text";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { isContentLang, isRtlLang, languageName, NATIVE_NAMES, translator } from "~/i18n";
import { useT } from "~/i18n/react";
import { changed, publicRevision } from "~/services/revisions.server";
import { idOf } from "~/utils/forms";
import { PUBLIC_CACHE_CONTROL, publicPageHeaders } from "~/utils/headers";
import { requestLanguage } from "~/utils/lang.server";
import { errorTitleMeta, metaLang } from "~/utils/meta";

/** One published revision as it was published, with what changed from the one before (word diff, per language). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  const view = await publicRevision(params.slug ?? "", idOf(params.n), negotiated.requested, negotiated.lang);
  if (!view) throw new Response(null, { status: 404 });
  const fields = view.diff
    ? (["title", "summary", "body", "addressees"] as const)
        .filter((f) => view.diff && changed(view.diff[f]))
        .map((f) => ({ field: f, parts: view.diff?.[f] ?? [] }))
    : [];
  return json({ view, fields }, { headers: { "Cache-Control": PUBLIC_CACHE_CONTROL } });
}

export const headers = publicPageHeaders;

export const meta: MetaFunction<typeof loader> = ({ data, matches, error }) => {
  if (!data) return errorTitleMeta(matches, error);
  const { t } = translator(metaLang(matches));
  return [{ title: `${t("revisions.number", { revision: data.view.number })}: ${data.view.title} · ${t("app.name")}` }, { name: "robots", content: "noindex" }];
};

export default function RevisionPage() {
  const { view, fields } = useLoaderData<typeof loader>();
  const { t, plural, date, lang: uiLang } = useT();
  const base = `/appeals/${view.slug}`;
  const query = `?lang=${view.lang}`;
  const text = { lang: view.lang, dir: isRtlLang(view.lang) ? "rtl" : undefined };
  const language = languageName(view.lang, uiLang);
  return (
    <article className="appeal">
      <p className="hint">
        <a href={`${base}${query}`}>{t("revisions.back")}</a> · <a href={`${base}/revisions${query}`}>{t("revisions.all")}</a>
      </p>
      <h1>{t("revisions.number", { revision: view.number })}</h1>
      <p className="meta">
        {t("revisions.publishedOn", { date: date(view.date) })} · {plural("revisions.signed", view.signed)}
      </p>
      {view.number < view.current ? (
        <p className="notice">
          {t("revisions.notCurrent", { revision: view.current })} <a href={`${base}${query}`}>{t("revisions.readCurrent")}</a>
        </p>
      ) : null}
      {view.languages.length > 1 ? (
        <nav className="version-switcher" aria-label={t("appeal.versions")}>
          <span>{t("appeal.versions")}:</span>
          <ul className="inline-list">
            {view.languages.map((code) => (
              <li key={code}>
                <a href={`${base}/revisions/${view.number}?lang=${code}`} hrefLang={code} lang={code} aria-current={code === view.lang ? "true" : undefined}>
                  {isContentLang(code) ? NATIVE_NAMES[code] : code}
                </a>
                {code === view.originalLanguage ? <span className="hint"> ({t("appeal.original")})</span> : null}
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      {view.note ? (
        <p>
          {t("revisions.note")}: <span lang={view.originalLanguage}>{view.note}</span>
        </p>
      ) : null}

      <section aria-labelledby="diff-h">
        <h2 id="diff-h">{view.number > 1 ? t("revisions.diffHeading", { previous: view.number - 1 }) : t("revisions.note")}</h2>
        {!view.diff ? (
          <p>{t("revisions.first")}</p>
        ) : view.diff.newLanguage ? (
          <p>{t("revisions.newLanguage", { language })}</p>
        ) : view.diff.unchanged ? (
          <p>{t("revisions.unchanged", { language })}</p>
        ) : (
          <>
            <p className="hint">{t("revisions.legend")}</p>
            {fields.map((f) => (
              <div key={f.field}>
                <h3 id={`diff-${f.field}`}>{t(`revisions.field.${f.field}`)}</h3>
                <DiffText parts={f.parts} lang={view.lang} />
              </div>
            ))}
          </>
        )}
      </section>

      <section aria-labelledby="text-h">
        <h2 id="text-h">{t("revisions.textAsOf", { revision: view.number })}</h2>
        {view.addressees.length ? (
          <div className="addressees">
            <h3 className="label">{t("appeal.addressedTo")}</h3>
            <ul {...text}>
              {view.addressees.map((a, i) => (
                <li key={i}>
                  <bdi>{a}</bdi>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <h3 {...text}>{view.title}</h3>
        {view.summary ? (
          <p className="lead" {...text}>
            {view.summary}
          </p>
        ) : null}
        <div className="appeal-body" {...text} dangerouslySetInnerHTML={{ __html: view.bodyHtml }} />
      </section>

      <nav aria-label={t("revisions.all")}>
        <ul className="inline-list">
          {view.number > 1 ? (
            <li>
              <a href={`${base}/revisions/${view.number - 1}${query}`} rel="prev">
                {t("revisions.previous")}
              </a>
            </li>
          ) : null}
          {view.number < view.current ? (
            <li>
              <a href={`${base}/revisions/${view.number + 1}${query}`} rel="next">
                {t("revisions.next")}
              </a>
            </li>
          ) : null}
        </ul>
      </nav>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

import type { ReactNode } from "react";
import { isRtlLang, languageName, NATIVE_NAMES, isContentLang, type Translator } from "~/i18n";
import { useT } from "~/i18n/react";
import type { AppealView } from "~/services/public-appeal.server";
import { isolate } from "~/utils/bidi";

type View = Omit<AppealView, never>;

/** "1,5 МБ", "240 KB": the unit and the decimal sign in the reader's language. */
function formatSize(bytes: number, { t, number }: Pick<Translator, "t" | "number">) {
  if (bytes >= 1024 * 1024) return t("appeal.sizeMb", { size: number(Math.round((bytes / 1024 / 1024) * 10) / 10) });
  return t("appeal.sizeKb", { size: number(Math.max(1, Math.round(bytes / 1024))) });
}

/** The public page of an appeal (also used, with a banner, as the organizers' preview). */
export function AppealPage({
  view,
  pageUrl,
  basePath,
  signForm,
  signatories,
}: {
  view: View;
  pageUrl: string;
  basePath: string;
  signForm?: ReactNode;
  signatories?: ReactNode;
}) {
  const { t, plural, date, number, lang: uiLang } = useT();
  const originalName = languageName(view.originalLanguage, uiLang);
  const percent = view.goal ? Math.min(100, Math.round((view.confirmed / view.goal) * 100)) : 0;
  const encoded = encodeURIComponent(pageUrl);
  const text = encodeURIComponent(view.title);
  // The version's own text (title, summary, body) in its language and direction: an Arabic or
  // Persian version reads right to left; the page around it stays in the interface's language, left to right.
  const versionText = isRtlLang(view.lang) ? { lang: view.lang, dir: "rtl" } : {};
  // Responses recorded with their details get a section of their own, above the updates.
  const responses = view.updates.filter((u) => u.response);
  const updates = view.updates.filter((u) => !u.response);
  const latestResponse = responses[0]?.response ? { id: responses[0].id, ...responses[0].response } : null;
  return (
    <article className="appeal" lang={view.lang}>
      {view.preview ? (
        <p className="notice" role="status" lang={uiLang}>
          {t("appeal.previewBanner")}
        </p>
      ) : null}
      {view.languages.length > 1 ? (
        <nav className="version-switcher" aria-label={t("appeal.versions")} lang={uiLang}>
          <span>{t("appeal.versions")}:</span>
          <ul className="inline-list">
            {view.languages.map((code) => (
              <li key={code}>
                <a href={`${basePath}?lang=${code}`} hrefLang={code} lang={code} aria-current={code === view.lang ? "true" : undefined}>
                  {isContentLang(code) ? NATIVE_NAMES[code] : code}
                </a>
                {code === view.originalLanguage ? (
                  <span className="hint" lang={uiLang}>
                    {" "}
                    ({t("appeal.original")})
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </nav>
      ) : null}

      <section aria-labelledby="addressees-h" className="addressees">
        <h2 id="addressees-h" className="label" lang={uiLang}>
          {t("appeal.addressedTo")}
        </h2>
        <ul>
          {view.addressees.map((a, i) => (
            <li key={i}>
              {/* Each part in its own isolate: a name in Arabic or Hebrew keeps the commas in place. */}
              <strong>
                <bdi>{a.name}</bdi>
              </strong>
              {a.position ? (
                <>
                  , <bdi>{a.position}</bdi>
                </>
              ) : null}
              {a.institution ? (
                <>
                  , <bdi>{a.institution}</bdi>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      <h1 {...versionText}>{view.title}</h1>
      {view.summary ? (
        <p className="lead" {...versionText}>
          {view.summary}
        </p>
      ) : null}
      {view.isTranslation ? (
        <p className="translation-note" lang={uiLang}>
          {t("appeal.translationFrom", { language: originalName })}
        </p>
      ) : null}
      <p className="meta" lang={uiLang}>
        {view.publishedAt ? (
          t("appeal.publishedOn", { date: date(view.publishedAt), organization: isolate(view.organization) })
        ) : (
          <bdi>{view.organization}</bdi>
        )}
        {view.revisedAt ? (
          <>
            {" · "}
            <a href="#changes">{t("appeal.revisedOn", { date: date(view.revisedAt), revision: view.revision })}</a>
          </>
        ) : null}
      </p>
      {view.revision > 1 && !view.preview ? (
        <p className="hint" lang={uiLang}>
          <a href={`/appeals/${view.slug}/revisions?lang=${view.lang}`}>{t("revisions.link", { revision: view.revision })}</a>
        </p>
      ) : null}

      <div className="count-box" lang={uiLang}>
        <p className="count">
          <strong>{plural("home.signatures", view.confirmed)}</strong>
        </p>
        {view.goal ? (
          <>
            <div
              className="progress"
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={view.goal}
              aria-valuenow={view.confirmed}
              aria-label={t("appeal.goal", { goal: number(view.goal) })}
            >
              <span style={{ width: `${percent}%` }} />
            </div>
            <p className="hint">{plural("appeal.progress", view.goal, { count: number(view.confirmed), goal: number(view.goal) })}</p>
          </>
        ) : null}
        {view.status === "published" && view.closesAt ? <p className="hint">{t("appeal.closesOn", { date: date(view.closesAt) })}</p> : null}
        {view.status === "closed" ? <p className="notice">{t("appeal.closedNotice", { count: number(view.confirmed) })}</p> : null}
        {view.status === "delivered" ? <p className="notice">{t("appeal.deliveredNotice", { count: number(view.confirmed) })}</p> : null}
        {latestResponse ? (
          <p className="notice">
            {latestResponse.from
              ? t("responses.answered", { from: isolate(latestResponse.from), date: date(latestResponse.receivedOn) })
              : t("responses.headingUnnamed", { date: date(latestResponse.receivedOn) })}{" "}
            <a href={`#update-${latestResponse.id}`}>{t("responses.read")}</a>
          </p>
        ) : null}
      </div>

      <div className="appeal-body" {...versionText} dangerouslySetInnerHTML={{ __html: view.bodyHtml }} />

      {view.attachments.length ? (
        <section aria-labelledby="attachments-h" lang={uiLang}>
          <h2 id="attachments-h">{t("appeal.attachments")}</h2>
          <ul>
            {view.attachments.map((f) => (
              <li key={f.id}>
                <a href={`/appeals/${view.slug}/attachments/${f.id}`} download>
                  {f.filename}
                </a>{" "}
                <span className="hint">
                  ({isContentLang(f.lang) ? NATIVE_NAMES[f.lang] : f.lang},{" "}
                  {f.contentType === "application/pdf" ? "PDF" : f.contentType.replace("image/", "").toUpperCase()}, {formatSize(f.size, { t, number })})
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {view.changes.length ? (
        <section id="changes" aria-labelledby="changes-h" lang={uiLang}>
          <h2 id="changes-h">{t("appeal.changes")}</h2>
          <ul>
            {view.changes.map((c) => (
              <li key={c.number}>
                {view.preview ? (
                  t("appeal.revisedOn", { date: date(c.date), revision: c.number })
                ) : (
                  <a href={`/appeals/${view.slug}/revisions/${c.number}?lang=${view.lang}`}>
                    {t("appeal.revisedOn", { date: date(c.date), revision: c.number })}
                  </a>
                )}
                : <span lang={view.originalLanguage}>{c.note}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {responses.length ? (
        <section id="responses" aria-labelledby="responses-h" lang={uiLang} className="updates-list responses-list">
          <h2 id="responses-h">{t("responses.section")}</h2>
          {responses.map((u) =>
            u.response ? (
              <article key={u.id} id={`update-${u.id}`} lang={u.lang} className="response">
                <h3 lang={uiLang}>
                  {u.response.from
                    ? t("responses.heading", { from: isolate(u.response.from), date: date(u.response.receivedOn) })
                    : t("responses.headingUnnamed", { date: date(u.response.receivedOn) })}
                </h3>
                {u.body.split(/\n{2,}/).map((p, i) => (
                  <p key={i}>{p}</p>
                ))}
                {u.response.file ? (
                  <p lang={uiLang}>
                    <a href={`/appeals/${view.slug}/attachments/${u.response.file.id}`} download>
                      {t("responses.download")}
                    </a>{" "}
                    <span className="hint">
                      (<bdi>{u.response.file.filename}</bdi>,{" "}
                      {u.response.file.contentType === "application/pdf" ? "PDF" : u.response.file.contentType.replace("image/", "").toUpperCase()},{" "}
                      {formatSize(u.response.file.size, { t, number })})
                    </span>
                  </p>
                ) : null}
                <p className="hint" lang={uiLang}>
                  {t("responses.publishedOn", { date: date(u.date) })}
                </p>
              </article>
            ) : null,
          )}
          {updates.length === 0 ? (
            <p className="hint">
              <a href={`${basePath}/updates.atom?lang=${view.lang}`} type="application/atom+xml">
                {t("updates.feedLink")}
              </a>
            </p>
          ) : null}
        </section>
      ) : null}

      {updates.length ? (
        <section id="updates" aria-labelledby="updates-h" lang={uiLang} className="updates-list">
          <h2 id="updates-h">{t("updates.public")}</h2>
          {updates.map((u) => (
            <article key={u.id} id={`update-${u.id}`} lang={u.lang}>
              <h3>
                {u.kind === "response" ? (
                  <span className="badge" lang={uiLang}>
                    {t("updates.responseBadge")}
                  </span>
                ) : null}{" "}
                {u.title}
              </h3>
              <p className="hint" lang={uiLang}>
                {date(u.date)}
              </p>
              {u.body.split(/\n{2,}/).map((p, i) => (
                <p key={i}>{p}</p>
              ))}
            </article>
          ))}
          <p className="hint">
            <a href={`${basePath}/updates.atom?lang=${view.lang}`} type="application/atom+xml">
              {t("updates.feedLink")}
            </a>
          </p>
        </section>
      ) : null}

      {view.revocations.length ? (
        <section aria-labelledby="revocations-h" lang={uiLang}>
          <h2 id="revocations-h">{t("revocations.title")}</h2>
          <p>
            {plural(
              "revocations.text",
              view.revocations.reduce((a, r) => a + r.n, 0),
            )}
          </p>
          <ul>
            {view.revocations.map((r) => (
              <li key={r.day}>
                {date(r.day)}: {number(r.n)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {signForm ? (
        <section id="sign" aria-labelledby="sign-h" className="sign-box" lang={uiLang}>
          <h2 id="sign-h">{t("appeal.signTitle")}</h2>
          {signForm}
        </section>
      ) : null}

      {signatories}

      {!view.preview ? (
        <section aria-labelledby="share-h" lang={uiLang}>
          <h2 id="share-h">{t("appeal.share")}</h2>
          <p>
            <label htmlFor="share-url">{t("appeal.shareLink")}</label>
            <input id="share-url" type="url" readOnly value={pageUrl} />
          </p>
          <ul className="inline-list share-links">
            <li>
              <a href={`https://t.me/share/url?url=${encoded}&text=${text}`} rel="noopener noreferrer">
                Telegram
              </a>
            </li>
            <li>
              <a href={`https://wa.me/?text=${text}%20${encoded}`} rel="noopener noreferrer">
                WhatsApp
              </a>
            </li>
            <li>
              <a href={`https://www.facebook.com/sharer/sharer.php?u=${encoded}`} rel="noopener noreferrer">
                Facebook
              </a>
            </li>
            <li>
              <a href={`https://x.com/intent/post?url=${encoded}&text=${text}`} rel="noopener noreferrer">
                X
              </a>
            </li>
            <li>
              <a href={`https://vk.com/share.php?url=${encoded}`} rel="noopener noreferrer">
                VK
              </a>
            </li>
            <li>
              <a href={`mailto:?subject=${text}&body=${encoded}`}>E-mail</a>
            </li>
          </ul>
          <p>
            {/* For noticeboards and rallies: an A4 PDF with a QR code to this page (appeals.$slug_.poster[.]pdf.tsx). */}
            <a href={`${basePath}/poster.pdf?lang=${view.lang}`} type="application/pdf">
              {t("spread.printPoster")}
            </a>
          </p>
        </section>
      ) : null}
    </article>
  );
}

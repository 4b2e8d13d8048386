import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { translator } from "~/i18n";
import { useT } from "~/i18n/react";
import { devMailboxEnabled, keptMail } from "~/services/outbox.server";
import { metaLang } from "~/utils/meta";

/*
 * Developer tool: one kept e-mail (see dev.mailbox.tsx). Like the list, this page shows the
 * recipient's address, which the app does nowhere else; it exists only outside production.
 */

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  const { t } = translator(metaLang(matches));
  return [{ title: `${data?.mail.subject ?? ""} · ${t("mailbox.title")}` }, { name: "robots", content: "noindex" }];
};

export async function loader({ params }: LoaderFunctionArgs) {
  if (!devMailboxEnabled()) throw new Response(null, { status: 404 });
  const id = Number(params.id);
  const mail = Number.isSafeInteger(id) && id > 0 ? await keptMail(id) : undefined;
  if (!mail) throw new Response(null, { status: 404 });
  const { created_at, kind, to_address, subject, html, text, headers, attachments } = mail;
  return json({ mail: { created_at, kind, to_address, subject, html, text, headers, attachments } }, { headers: { "Cache-Control": "no-store" } });
}

const URL_PATTERN = /https?:\/\/[^\s<>"']+/g;

/** Plain text with its http(s) URLs as links (trailing punctuation stays text). */
function Linkified({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = match[0].replace(/[.,;:!?)\]]+$/, "");
    const start = match.index;
    parts.push(
      text.slice(last, start),
      <a key={start} href={url}>
        {url}
      </a>,
    );
    last = start + url.length;
  }
  parts.push(text.slice(last));
  return <>{parts}</>;
}

/**
 * The HTML part, for a sandboxed iframe: no scripts, no access to this page. Links open in a
 * new tab (a <base target> in its head), so its buttons can be followed like in a mail client.
 */
const framed = (html: string) => html.replace(/<head(\s[^>]*)?>/i, (head) => `${head}<base target="_blank">`);

export default function DevMailboxMail() {
  const { mail } = useLoaderData<typeof loader>();
  const { t, date } = useT();
  const headerNames = Object.keys(mail.headers);
  return (
    <article>
      <p>
        <Link to="/dev/mailbox">{t("mailbox.back")}</Link>
      </p>
      <h1>{mail.subject}</h1>
      <section aria-labelledby="mail-details">
        <h2 id="mail-details" className="visually-hidden">
          {t("mailbox.details")}
        </h2>
        <dl className="meta">
          <dt>{t("mailbox.time")}</dt>
          <dd>
            {/* Browsers lacking Kazakh date data format it unlike Node: keep the server's text. */}
            <time dateTime={mail.created_at} suppressHydrationWarning>
              {date(mail.created_at, "datetime")}
            </time>
          </dd>
          <dt>{t("mailbox.kind")}</dt>
          <dd>
            <code>{mail.kind}</code>
          </dd>
          <dt>{t("mailbox.to")}</dt>
          <dd>{mail.to_address}</dd>
        </dl>
      </section>
      {headerNames.length > 0 ? (
        <section aria-labelledby="mail-headers">
          <h2 id="mail-headers">{t("mailbox.headers")}</h2>
          <dl className="meta">
            {headerNames.map((name) => (
              <div key={name}>
                <dt>
                  <code>{name}</code>
                </dt>
                <dd>
                  <code>{mail.headers[name]}</code>
                </dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}
      {mail.attachments.length > 0 ? (
        <section aria-labelledby="mail-attachments">
          <h2 id="mail-attachments">{t("mailbox.attachments")}</h2>
          <ul>
            {mail.attachments.map((a) => (
              <li key={a.storageKey}>
                {a.filename} <span className="meta">({a.contentType})</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="mail-text">
        <h2 id="mail-text">{t("mailbox.text")}</h2>
        <pre style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere", font: "inherit" }}>
          <Linkified text={mail.text} />
        </pre>
      </section>
      <section aria-labelledby="mail-html">
        <h2 id="mail-html">{t("mailbox.html")}</h2>
        <iframe
          title={t("mailbox.htmlFrame")}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcDoc={framed(mail.html)}
          referrerPolicy="no-referrer"
          style={{ width: "100%", height: "36rem", border: "1px solid var(--line)", borderRadius: "var(--radius)" }}
        />
      </section>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { renderToStaticMarkup } from "react-dom/server";
import { countText, spreadAppeal, type SpreadAppeal } from "~/services/spread.server";
import { PUBLIC_CACHE_CONTROL } from "~/utils/headers";

/**
 * The embeddable counter as a small page for an <iframe> on a partner's site: the title, the
 * count and a link to sign that opens the appeal in a new tab (never a form here: signing
 * happens on our own page, in a top-level window the partner's page cannot reach).
 * Framing is allowed for this address only (server/http.ts, FRAMABLE). No script, no cookie.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const appeal = await spreadAppeal(request, params.slug ?? "");
  const html = `<!DOCTYPE html>${renderToStaticMarkup(<EmbedPage appeal={appeal} />)}`;
  return new Response(html, {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": PUBLIC_CACHE_CONTROL,
      ...(appeal.vary ? { Vary: appeal.vary } : {}),
    },
  });
}

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1b1f24; background: #fff; line-height: 1.4; }
body { margin: 0; padding: 12px 14px; }
.by { margin: 0; font-size: 13px; color: #505a66; }
h1 { margin: 2px 0 6px; font-size: 17px; line-height: 1.3; }
h1 a { color: inherit; text-decoration: none; }
h1 a:hover, h1 a:focus { text-decoration: underline; }
.count { margin: 0 0 10px; font-size: 22px; font-weight: 700; color: #1d4e89; }
.sign { display: inline-block; padding: 8px 14px; border-radius: 6px; background: #1d4e89; color: #fff; font-weight: 600; text-decoration: none; }
.sign:hover, .sign:focus { background: #143a66; }
.sign:focus-visible { outline: 3px solid #1b1f24; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

function EmbedPage({ appeal }: { appeal: SpreadAppeal }) {
  const { view, t, signUrl, rtl } = appeal;
  const count = countText(t, view.confirmed);
  return (
    <html lang={view.lang} dir={rtl ? "rtl" : "ltr"}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${view.title} — ${count}`}</title>
        <link rel="canonical" href={signUrl} />
        {/* Not as a text child: React would escape the quotes of the font names. */}
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <p className="by" lang={t.lang}>
          {t.t("spread.by", { organization: view.organization })}
        </p>
        <h1>
          <a href={signUrl} target="_blank" rel="noopener">
            {view.title}
          </a>
        </h1>
        <p className="count" lang={t.lang} aria-live="off">
          {count}
        </p>
        {view.acceptsSignatures ? (
          <a className="sign" href={signUrl} target="_blank" rel="noopener" lang={t.lang}>
            {t.t("spread.sign")}
            <span className="visually-hidden"> {t.t("spread.newTab")}</span>
          </a>
        ) : null}
      </body>
    </html>
  );
}

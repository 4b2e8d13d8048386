import { languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { escapeXml } from "~/utils/xml";

/**
 * The organizer's snippets for spreading a published appeal (issue 17): the live counter as an
 * iframe and as an image with a link, the share image, and a poster per language version.
 */
export function ShareSnippets({ appUrl, slug, lang, title, languages }: { appUrl: string; slug: string; lang: string; title: string; languages: string[] }) {
  const { t, lang: ui } = useT();
  const base = `${appUrl}/appeals/${slug}`;
  const attr = escapeXml(title);
  const frame = `<iframe src="${base}/embed?lang=${lang}" title="${attr}" width="360" height="200" style="border:0;max-width:100%" loading="lazy"></iframe>`;
  const badge = `<a href="${base}?lang=${lang}"><img src="${base}/badge.svg?lang=${lang}" alt="${attr}" height="28"></a>`;
  return (
    <section aria-labelledby="share-h">
      <h2 id="share-h">{t("dash.share")}</h2>
      <p className="hint">{t("dash.shareHint")}</p>
      <div className="stack">
        <div>
          <label htmlFor="snippet-frame">{t("dash.shareFrame")}</label>
          <textarea id="snippet-frame" readOnly rows={3} value={frame} spellCheck={false} data-testid="snippet-frame" />
        </div>
        <div>
          <label htmlFor="snippet-badge">{t("dash.shareBadge")}</label>
          <textarea id="snippet-badge" readOnly rows={3} value={badge} spellCheck={false} data-testid="snippet-badge" />
        </div>
      </div>
      <p>
        <a href={`${base}/og.png?lang=${lang}`}>{t("dash.shareImage")}</a>
      </p>
      <p>{t("dash.sharePoster")}:</p>
      <ul>
        {languages.map((l) => (
          <li key={l}>
            <a href={`/appeals/${slug}/poster.pdf?lang=${l}`} download>
              {t("spread.printPoster")} — {languageName(l, ui)}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

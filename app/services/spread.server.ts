import { isRtlLang, isUiLang, translator, type Translator, type UiLang } from "../i18n";
import { env } from "../utils/env.server";
import { requestLanguage } from "../utils/lang.server";
import { cachedPublicAppeal, type AppealView } from "./public-appeal.server";

/**
 * What the embeddable counter, the share image and the poster show of an appeal (issue 17): its
 * public view in the language asked for (?lang=, as the pages pick it), the interface words in
 * that language when the interface has it, and the address of the page to sign.
 */
export interface SpreadAppeal {
  view: AppealView;
  /** The language of the words around the appeal's own text ("signatures", "Sign"). */
  ui: UiLang;
  t: Translator;
  rtl: boolean;
  /** The sign page, absolute, in the version shown. */
  signUrl: string;
  /** Headers the answer depends on: none when ?lang= names the version. */
  vary: string | null;
}

/** The appeal behind /appeals/:slug/{badge.svg,embed,og.png,poster.pdf}; throws a 404 or a 400 (unknown ?lang=) Response. */
export async function spreadAppeal(request: Request, slug: string, options: { originalByDefault?: boolean } = {}): Promise<SpreadAppeal> {
  const negotiated = requestLanguage(request);
  if (negotiated.badLang !== undefined) throw new Response(null, { status: 400 });
  let view = await cachedPublicAppeal(slug, negotiated.requested, negotiated.lang);
  if (!view) throw new Response(null, { status: 404 });
  // The poster: the original unless ?lang= names a version (a poster is printed once, for a place).
  if (options.originalByDefault && !negotiated.requested && view.lang !== view.originalLanguage) {
    view = await cachedPublicAppeal(slug, view.originalLanguage, negotiated.lang);
    if (!view) throw new Response(null, { status: 404 });
  }
  const ui = isUiLang(view.lang) ? view.lang : negotiated.lang;
  return {
    view,
    ui,
    t: translator(ui),
    rtl: isRtlLang(view.lang),
    signUrl: `${env().APP_URL}/appeals/${view.slug}?lang=${view.lang}`,
    vary: negotiated.requested ? null : "Accept-Language, Cookie",
  };
}

/**
 * The count rounded down to two significant digits (1 234 → 1 200; below 100 exact): images drawn
 * for a count are kept per bucket, so a rush of signatures does not draw a new one per signature.
 */
export function countBucket(n: number): number {
  if (n < 100) return Math.max(0, Math.floor(n));
  const step = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.floor(n / step) * step;
}

/** "1 234 подписи", or "1 200+ подписей" for a bucket below the count. */
export function countText(t: Translator, count: number, exact = true): string {
  const shown = exact ? count : countBucket(count);
  if (shown === count) return t.plural("spread.signatures", count);
  return t.plural("spread.signatures", shown, { count: `${t.number(shown)}+` });
}

/** The og:image's alt text for an appeal page in `view`'s version: what the image shows (title and count, as drawn). */
export function shareImageAlt(view: AppealView, negotiated: UiLang): string {
  const t = translator(isUiLang(view.lang) ? view.lang : negotiated);
  return t.t("spread.badgeAlt", { title: view.title, count: countText(t, view.confirmed, false) });
}

/** The poster's text under the title: the summary, or else the body's first paragraph as plain text. */
export function posterSummary(view: AppealView): string {
  if (view.summary.trim()) return view.summary;
  const first = /<p\b[^>]*>([\s\S]*?)<\/p>/i.exec(view.bodyHtml)?.[1] ?? "";
  return first
    .replace(/<[^>]*>/g, "")
    .replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'", nbsp: " " })[e] ?? "")
    .trim();
}

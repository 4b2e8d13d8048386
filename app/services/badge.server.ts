import { escapeXml } from "../utils/xml";

/**
 * The embeddable counter as an SVG badge (an <img> on a partner's site): the appeal's title on
 * the left, the count on the right. Drawn with the reader's own fonts, so widths are estimated
 * and each text is fitted to its box with textLength (as shields.io does): a wider font is
 * squeezed a little, never cut off.
 */
const HEIGHT = 28;
const SIZE = 13;
const PAD = 10;
const MAX_TITLE = 60;

/** A rough advance per character at 13 px: wide for CJK, narrow for marks. */
function estimate(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (/\p{M}/u.test(ch)) continue;
    w += cp >= 0x1100 && /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch) ? SIZE : SIZE * 0.6;
  }
  return Math.ceil(w);
}

/** The title cut at a grapheme boundary, with an ellipsis, when longer than `max` graphemes. */
function shorten(text: string, max: number): string {
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text.replace(/\s+/g, " ").trim())].map((s) => s.segment);
  return graphemes.length <= max
    ? graphemes.join("")
    : `${graphemes
        .slice(0, max - 1)
        .join("")
        .trimEnd()}…`;
}

export function badgeSvg(input: { title: string; count: string; lang: string; rtl: boolean }): string {
  const title = shorten(input.title, MAX_TITLE);
  const titleWidth = estimate(title);
  const countWidth = estimate(input.count);
  const left = titleWidth + 2 * PAD;
  const right = countWidth + 2 * PAD;
  const width = left + right;
  const dir = input.rtl ? ' direction="rtl"' : "";
  const label = escapeXml(`${title}: ${input.count}`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" role="img" aria-label="${label}" xml:lang="${escapeXml(input.lang)}">`,
    `<title>${label}</title>`,
    `<rect width="${width}" height="${HEIGHT}" rx="4" fill="#1d4e89"/>`,
    `<rect width="${left}" height="${HEIGHT}" rx="4" fill="#374151"/>`,
    `<rect x="${left - 4}" width="4" height="${HEIGHT}" fill="#374151"/>`,
    `<g fill="#fff" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif" font-size="${SIZE}" text-anchor="middle">`,
    `<text x="${left / 2}" y="18.5" textLength="${titleWidth}" lengthAdjust="spacingAndGlyphs"${dir}>${escapeXml(title)}</text>`,
    `<text x="${left + right / 2}" y="18.5" textLength="${countWidth}" lengthAdjust="spacingAndGlyphs" font-weight="bold">${escapeXml(input.count)}</text>`,
    `</g>`,
    `</svg>`,
  ].join("");
}

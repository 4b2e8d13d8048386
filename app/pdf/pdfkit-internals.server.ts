/**
 * The few pdfkit internals the letter needs, checked at run time instead of cast.
 *
 * Why reach inside at all: the signatory list is up to a million rows. Drawing each cell with
 * `doc.text` shapes every word through fontkit's OpenType engine (GSUB/GPOS lookups), which
 * measured ~250 µs per row here — 4 minutes for 1M rows. The list instead writes its own text
 * operators with glyphs looked up straight from the font's cmap (see raw-text.server.ts); that
 * needs pdfkit's embedded-font object so the glyphs land in pdfkit's own font subset, widths and
 * ToUnicode map (copy/paste and `pdftotext` keep working).
 *
 * pdfkit is pinned with `~0.20.2` in package.json; render.test.ts fails loudly if any of these
 * shapes change, and every accessor here throws a clear error rather than drawing garbage.
 */

/** A fontkit glyph (fontkit ships no types). */
export interface FontkitGlyph {
  id: number;
  advanceWidth: number;
}

/** The part of a fontkit font the letter uses. */
export interface FontkitFont {
  unitsPerEm: number;
  ascent: number;
  descent: number;
  hasGlyphForCodePoint(codePoint: number): boolean;
  glyphForCodePoint(codePoint: number): FontkitGlyph;
}

/** pdfkit's EmbeddedFont (js/pdfkit.js, class EmbeddedFont). */
export interface EmbeddedFont {
  /** Resource name on the page, e.g. "F1". */
  id: string;
  font: FontkitFont;
  subset: { includeGlyph(glyphId: number): number };
  /** Advance widths per subset glyph id, in 1/1000 em; written to the PDF /W array. */
  widths: Array<number | undefined>;
  /** Code points per subset glyph id; written to the ToUnicode CMap. */
  unicode: Array<number[] | undefined>;
  /** The font's PDF object (created on first use; embedding happens at doc.end()). */
  ref(): object;
  /** pdfkit's per-word shaping cache. Unbounded: grows with every distinct word drawn. */
  layoutCache?: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isFontkitFont(value: unknown): value is FontkitFont {
  return (
    isObject(value) &&
    typeof value.unitsPerEm === "number" &&
    typeof value.ascent === "number" &&
    typeof value.descent === "number" &&
    typeof value.hasGlyphForCodePoint === "function" &&
    typeof value.glyphForCodePoint === "function"
  );
}

function isEmbeddedFont(value: unknown): value is EmbeddedFont {
  return (
    isObject(value) &&
    typeof value.id === "string" &&
    isFontkitFont(value.font) &&
    isObject(value.subset) &&
    typeof value.subset.includeGlyph === "function" &&
    Array.isArray(value.widths) &&
    Array.isArray(value.unicode) &&
    typeof value.ref === "function"
  );
}

function internalsChanged(what: string): Error {
  return new Error(`pdfkit internals changed (${what}); check app/pdf/pdfkit-internals.server.ts against the installed pdfkit`);
}

/** Selects the registered font `name` on `doc` and returns pdfkit's embedded-font object for it. */
export function embeddedFont(doc: PDFKit.PDFDocument, name: string): EmbeddedFont {
  doc.font(name);
  const font: unknown = Reflect.get(doc, "_font");
  if (!isEmbeddedFont(font)) throw internalsChanged("doc._font is not an EmbeddedFont");
  return font;
}

/** Adds `font` to the current page's /Resources /Font dictionary (what `doc.text` does per fragment). */
export function useFontOnPage(doc: PDFKit.PDFDocument, font: EmbeddedFont): void {
  const fonts: unknown = Reflect.get(doc.page, "fonts");
  if (!isObject(fonts)) throw internalsChanged("page.fonts");
  if (fonts[font.id] == null) fonts[font.id] = font.ref();
}

/**
 * Empties pdfkit's per-word layout cache. pdfkit keeps every distinct word it has shaped for the
 * life of the document; with unique names that is memory proportional to the list (3.6 GB at 1M
 * rows was measured). The list no longer goes through it, but the body and headings do, so the
 * renderer clears it on every page as a bound that holds whatever is drawn.
 */
export function clearLayoutCache(font: EmbeddedFont): void {
  if (font.layoutCache) {
    const empty: Record<string, unknown> = Object.create(null);
    font.layoutCache = empty;
  }
}

/**
 * Pins the trailer /ID. pdfkit derives it from the info dictionary (md5 of the dates and
 * strings); the letter wants it tied to the snapshot instead, so the same snapshot gives the
 * same bytes and two snapshots with equal metadata still get different IDs.
 */
export function setFileId(doc: PDFKit.PDFDocument, id: Uint8Array): void {
  const current: unknown = Reflect.get(doc, "_id");
  if (!(current instanceof Uint8Array)) throw internalsChanged("doc._id");
  Reflect.set(doc, "_id", id);
}

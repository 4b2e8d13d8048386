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
  /** pdfkit recognises a fontkit font by this method. */
  layout: unknown;
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
    typeof value.layout === "function" &&
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

/**
 * Registers a font from its file bytes or from a fontkit font already parsed for this render.
 * pdfkit accepts a fontkit font object (PDFFontFactory.open: "typeof src.layout === 'function'");
 * its type definitions do not say so, hence the untyped call. Re-using the parsed font between
 * the dry run and the real document halves the font parsing of a render (~50 ms). Fonts are
 * never shared between renders: fontkit caches glyph objects with the code points of their first
 * use, which end up in the ToUnicode map, so sharing would make bytes depend on history.
 */
export function registerFont(doc: PDFKit.PDFDocument, name: string, source: Buffer | FontkitFont): void {
  Reflect.apply(doc.registerFont, doc, [name, source]);
}

/** The fontkit font behind `name` if this document has instantiated it (used it), else null. */
export function loadedFont(doc: PDFKit.PDFDocument, name: string): FontkitFont | null {
  const families: unknown = Reflect.get(doc, "_fontFamilies");
  if (!isObject(families)) throw internalsChanged("doc._fontFamilies");
  const font = families[name];
  return isEmbeddedFont(font) ? font.font : null;
}

/** Every embedded font this document has instantiated. */
export function usedFonts(doc: PDFKit.PDFDocument): EmbeddedFont[] {
  const families: unknown = Reflect.get(doc, "_fontFamilies");
  if (!isObject(families)) throw internalsChanged("doc._fontFamilies");
  return Object.values(families).filter(isEmbeddedFont);
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
 * Lets go of a page pdfkit has already written. Without bufferPages pdfkit writes a page's
 * objects when the next page starts, but keeps the page dictionary's data (MediaBox, Contents,
 * Resources, Annots and through them every object of the page) reachable from /Pages /Kids
 * until the end: ~3.5 KB per page, 115 MB for a million-row list. /Kids only needs each page's
 * object number, so once the page is written its data is replaced by an empty dictionary.
 * Does nothing for a page that has not been written yet.
 */
export function releaseWrittenPage(page: PDFKit.PDFPage): void {
  const written = typeof Reflect.get(page.dictionary, "offset") === "number" && typeof Reflect.get(page.content, "offset") === "number";
  if (written) Reflect.set(page.dictionary, "data", {});
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

/**
 * Writes objects straight into pdfkit's output, for what pdfkit would hold in memory: an
 * attachment streamed from disk (doc.file() buffers the whole file) and the signatory table's
 * structure elements (one object per cell). `reserve()` takes the next object number (as
 * doc.ref() does, but without pdfkit's end-of-document wait for it), `begin(id)` records the
 * object's offset for the xref table, `write` appends bytes. The caller writes whole, well-formed
 * "n 0 obj … endobj" objects.
 */
export interface RawObjects {
  reserve(): number;
  begin(id: number): void;
  write(data: Uint8Array | string): void;
  /** Writes several whole objects ("n 0 obj\n" + body + "\nendobj\n") in one chunk; bodies are Latin-1. */
  writeObjects(objects: Array<{ id: number; body: string }>): void;
}

export function rawObjects(doc: PDFKit.PDFDocument): RawObjects {
  const offsets: unknown = Reflect.get(doc, "_offsets");
  const write: unknown = Reflect.get(doc, "_write");
  if (!Array.isArray(offsets)) throw internalsChanged("doc._offsets");
  if (typeof write !== "function") throw internalsChanged("doc._write");
  if (typeof Reflect.get(doc, "_offset") !== "number") throw internalsChanged("doc._offset");
  return {
    reserve: () => offsets.push(null),
    begin: (id) => {
      offsets[id - 1] = Reflect.get(doc, "_offset");
    },
    write: (data) => {
      Reflect.apply(write, doc, [typeof data === "string" ? Buffer.from(data, "latin1") : data]);
    },
    writeObjects: (objects) => {
      let offset = Number(Reflect.get(doc, "_offset"));
      let text = "";
      for (const { id, body } of objects) {
        const object = `${id} 0 obj\n${body}\nendobj\n`;
        offsets[id - 1] = offset;
        offset += object.length;
        text += object;
      }
      Reflect.apply(write, doc, [Buffer.from(text, "latin1")]);
    },
  };
}

/** The catalog's dictionary (doc._root.data), for entries pdfkit has no option for. */
export function catalog(doc: PDFKit.PDFDocument): Record<string, unknown> {
  const root: unknown = Reflect.get(doc, "_root");
  if (!isObject(root) || !isObject(root.data)) throw internalsChanged("doc._root.data");
  return root.data;
}

/** The catalog's /Names dictionary (pdfkit creates it with /Dests). */
export function namesDictionary(doc: PDFKit.PDFDocument): Record<string, unknown> {
  const names = catalog(doc).Names;
  if (!isObject(names) || !isObject(names.data)) throw internalsChanged("doc._root.data.Names");
  return names.data;
}

/**
 * Replaces pdfkit's XMP writer for this document. pdfkit's own (endMetadata, run by doc.end())
 * pastes the title and author into XML unescaped and has no PDF/A-3u or extension schema; the
 * letter writes its own packet instead (pdfa.server.ts).
 */
export function replaceMetadataWriter(doc: PDFKit.PDFDocument, write: () => void): void {
  if (typeof Reflect.get(doc, "endMetadata") !== "function") throw internalsChanged("doc.endMetadata");
  Reflect.set(doc, "endMetadata", write);
}

/**
 * An indirect reference ("12 0 R") to an object written with rawObjects, usable inside objects
 * pdfkit writes: pdfkit writes a value as a reference only if it is a PDFAbstractReference, a
 * class it does not export, so the reference is made from the prototype of one of its own.
 */
export function referenceTo(doc: PDFKit.PDFDocument, id: number): object {
  const root: unknown = Reflect.get(doc, "_root");
  const abstract: unknown = isObject(root) ? Object.getPrototypeOf(Object.getPrototypeOf(root)) : null;
  if (!isObject(abstract) || typeof abstract.toString !== "function") throw internalsChanged("PDFAbstractReference");
  const ref: Record<string, unknown> = Object.create(abstract);
  ref.toString = () => `${id} 0 R`;
  // pdfkit calls end() on some catalog entries it expects to be its own (StructTreeRoot); the
  // object is already written.
  ref.end = () => undefined;
  return ref;
}

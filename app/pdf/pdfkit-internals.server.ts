import zlib from "node:zlib";

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

const rawWriters = new WeakMap<PDFKit.PDFDocument, RawObjects>();

/** The raw object writer of `doc` (installing the compact object table on first use). */
export function rawObjects(doc: PDFKit.PDFDocument): RawObjects {
  let writer = rawWriters.get(doc);
  if (!writer) {
    writer = compactObjectTable(doc);
    rawWriters.set(doc, writer);
  }
  return writer;
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

/**
 * Where each object is, in 4 bytes per object (chunks, no large reallocation as the count
 * grows): 0 = not written yet; below 2^31, the file offset + 1; with the top bit set, an object
 * inside an object stream: (stream object number << 8) | index.
 */
class OffsetTable {
  private static readonly CHUNK = 1 << 16;
  private readonly chunks: Uint32Array[] = [];
  length = 0;

  /** pdfkit's ref() reserves the next object number with push(null). */
  push(_value: null): number {
    if (this.length % OffsetTable.CHUNK === 0) this.chunks.push(new Uint32Array(OffsetTable.CHUNK));
    return ++this.length;
  }

  private put(id: number, value: number): void {
    const i = id - 1;
    const chunk = this.chunks[Math.floor(i / OffsetTable.CHUNK)];
    if (!chunk || i >= this.length || id < 1) throw new Error(`object ${id} was not reserved`);
    chunk[i % OffsetTable.CHUNK] = value;
  }

  set(id: number, offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset >= 2 ** 31 - 1) throw new Error(`object offset out of range: ${offset}`);
    this.put(id, offset + 1);
  }

  /** Whether objects can be put in object stream `stream` (its number fits the packed form). */
  static canHold(stream: number): boolean {
    return stream < 2 ** 23;
  }

  setCompressed(id: number, stream: number, index: number): void {
    this.put(id, (2 ** 31 + stream * 256 + index) >>> 0);
  }

  /** The xref stream row of `id`: [type, field 2, field 3]. */
  row(id: number): [number, number, number] {
    const i = id - 1;
    const value = this.chunks[Math.floor(i / OffsetTable.CHUNK)]?.[i % OffsetTable.CHUNK] ?? 0;
    if (value === 0) throw new Error(`object ${id} was reserved but never written`);
    if (value >= 2 ** 31) {
      const packed = value - 2 ** 31;
      return [2, Math.floor(packed / 256), packed % 256];
    }
    return [1, value - 1, 0];
  }
}

/** Objects per object stream (the index is one byte in OffsetTable). */
const OBJECTS_PER_STREAM = 200;

/**
 * Makes pdfkit keep its object offsets in an OffsetTable instead of a JS array (8 bytes a slot
 * and a copy as it grows: a tagged million-row letter has ~5 million objects), and end the file
 * with a cross-reference stream (PDF 1.5+, 7 bytes an object) instead of a table (20 bytes), so
 * that the structure elements can sit in compressed object streams (writeObjects): a structure
 * element is ~50 bytes of dictionary, and 5 million of them uncompressed, plus their xref lines,
 * were measured at 570 MB of a 635 MB million-row letter.
 *
 * pdfkit's ref() only calls `_offsets.length` and `_offsets.push(null)`; its `_refEnd` (which
 * records an offset) and `_finalize` (which writes the xref table and the trailer) are replaced
 * on this document by equivalents that use the table. Installed by rawObjects() on first use;
 * objects pdfkit has already numbered keep their offsets.
 */
function compactObjectTable(doc: PDFKit.PDFDocument): RawObjects {
  const offsets: unknown = Reflect.get(doc, "_offsets");
  const write: unknown = Reflect.get(doc, "_write");
  const push: unknown = Reflect.get(doc, "push");
  if (!Array.isArray(offsets)) throw internalsChanged("doc._offsets");
  if (typeof write !== "function" || typeof push !== "function") throw internalsChanged("doc._write / doc.push");
  for (const name of ["_refEnd", "_finalize", "_waiting", "_ended", "_offset", "_id"]) {
    if (Reflect.get(doc, name) === undefined) throw internalsChanged(`doc.${name}`);
  }
  const table = new OffsetTable();
  offsets.forEach((offset: unknown) => {
    const id = table.push(null);
    if (typeof offset === "number") table.set(id, offset);
  });
  Reflect.set(doc, "_offsets", table);
  const emit = (data: Uint8Array | string) => Reflect.apply(write, doc, [typeof data === "string" ? Buffer.from(data, "latin1") : data]);
  const offsetNow = () => Number(Reflect.get(doc, "_offset"));

  Reflect.set(doc, "_refEnd", (ref: { id: number; offset: number }) => {
    table.set(ref.id, ref.offset);
    const waiting = Number(Reflect.get(doc, "_waiting")) - 1;
    Reflect.set(doc, "_waiting", waiting);
    if (waiting === 0 && Reflect.get(doc, "_ended") === true) {
      Reflect.apply(Reflect.get(doc, "_finalize"), doc, []);
      Reflect.set(doc, "_ended", false);
    }
  });

  // The cross-reference stream (PDF 32000-1 §7.5.8): /W [1 4 2], uncompressed, written in chunks.
  Reflect.set(doc, "_finalize", () => {
    const root: unknown = Reflect.get(doc, "_root");
    const info: unknown = Reflect.get(doc, "_info");
    const fileId: unknown = Reflect.get(doc, "_id");
    if (!(fileId instanceof Uint8Array) || !isObject(root) || !isObject(info)) throw internalsChanged("doc._root / _info / _id");
    const xrefId = table.push(null);
    const xrefAt = offsetNow();
    table.set(xrefId, xrefAt);
    const size = table.length + 1;
    const hex = Buffer.from(fileId).toString("hex");
    emit(
      `${xrefId} 0 obj\n<<\n/Type /XRef\n/Size ${size}\n/W [1 4 2]\n/Root ${String(root)}\n/Info ${String(info)}\n/ID [<${hex}> <${hex}>]\n/Length ${size * 7}\n>>\nstream\n`,
    );
    const rowsPerChunk = 8192;
    let chunk = Buffer.alloc(rowsPerChunk * 7);
    let n = 0;
    const putRow = (type: number, a: number, b: number) => {
      const at = n * 7;
      chunk[at] = type;
      chunk.writeUInt32BE(a, at + 1);
      chunk.writeUInt16BE(b, at + 5);
      if (++n === rowsPerChunk) {
        emit(chunk);
        chunk = Buffer.alloc(rowsPerChunk * 7);
        n = 0;
      }
    };
    putRow(0, 0, 65535);
    for (let id = 1; id < size; id++) putRow(...table.row(id));
    if (n > 0) emit(chunk.subarray(0, n * 7));
    emit(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`);
    Reflect.apply(push, doc, [null]);
  });

  /** Writes objects uncompressed, one chunk. */
  const writePlain = (objects: Array<{ id: number; body: string }>) => {
    let offset = offsetNow();
    let text = "";
    for (const { id, body } of objects) {
      const object = `${id} 0 obj\n${body}\nendobj\n`;
      table.set(id, offset);
      offset += object.length;
      text += object;
    }
    emit(text);
  };

  return {
    reserve: () => table.push(null),
    begin: (id) => table.set(id, offsetNow()),
    write: emit,
    writeObjects: (objects) => {
      for (let start = 0; start < objects.length; start += OBJECTS_PER_STREAM) {
        const group = objects.slice(start, start + OBJECTS_PER_STREAM);
        const stream = table.push(null);
        if (!OffsetTable.canHold(stream)) {
          // Past 8 million objects: written uncompressed (the reserved number becomes an empty object).
          writePlain([...group, { id: stream, body: "null" }]);
          continue;
        }
        let header = "";
        let bodies = "";
        group.forEach(({ id, body }, index) => {
          header += `${id} ${bodies.length} `;
          bodies += `${body}\n`;
          table.setCompressed(id, stream, index);
        });
        // Level 1: these are small, repetitive dictionaries (~8:1 either way); level 6 cost seconds at 1M rows.
        const data = zlib.deflateSync(Buffer.from(header + bodies, "latin1"), { level: 1 });
        table.set(stream, offsetNow());
        emit(`${stream} 0 obj\n<< /Type /ObjStm /N ${group.length} /First ${header.length} /Filter /FlateDecode /Length ${data.length} >>\nstream\n`);
        emit(data);
        emit("\nendstream\nendobj\n");
      }
    },
  };
}

import { createReadStream, promises as fs } from "node:fs";
import { Readable } from "node:stream";
import zlib from "node:zlib";

/**
 * A small, bounded PDF object reader: exactly what `npm run verify` needs to check a letter (the
 * trailer, the catalog, the Info dictionary, the signature dictionary, the embedded files), read
 * by offset from a file without loading it. It reads classic cross-reference tables (pdfkit's
 * default), cross-reference streams and object streams (the PDF/A letters' structure tree), and
 * incremental updates (/Prev). Cross-reference entries are looked up when an object is asked for,
 * never all held as objects: a tagged letter of 100k signatories has about a million objects.
 *
 * Why our own and not pdf.js or pdf-lib: both load the whole file (and pdf.js's getAttachments
 * returns each file inflated in memory); a 1M-signatory letter is a 100+ MB PDF with a ~130 MB
 * ledger.csv inside, which this reader streams (see `streamChunks`). Everything is bounded: an
 * object is read in a window of at most MAX_OBJECT bytes, nesting at most MAX_DEPTH, a /Prev chain
 * at most MAX_SECTIONS long, an inflated cross-reference or object stream at most MAX_INFLATED.
 * Malformed input throws PdfError (one sentence), never hangs.
 */

export class PdfError extends Error {}

const MAX_OBJECT = 8 * 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_SECTIONS = 64;
const MAX_INFLATED = 64 * 1024 * 1024;
const MAX_XREF_ENTRIES = 8_388_607; // ISO 32000-1 Annex C: the largest object number

/** Random access to the PDF's bytes. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `position` (fewer at the end). */
  read(position: number, length: number): Promise<Uint8Array>;
  /** The bytes [start, end), in chunks. */
  stream(start: number, end: number): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

export async function fileSource(path: string): Promise<ByteSource> {
  const handle = await fs.open(path, "r");
  const { size } = await handle.stat();
  return {
    size,
    async read(position, length) {
      const n = Math.max(0, Math.min(length, size - position));
      const buffer = Buffer.alloc(n);
      let done = 0;
      while (done < n) {
        const { bytesRead } = await handle.read(buffer, done, n - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    },
    stream(start, end) {
      if (end <= start) return Readable.from([]);
      return createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 });
    },
    close: () => handle.close(),
  };
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (position, length) => Promise.resolve(bytes.subarray(Math.max(0, position), Math.max(0, Math.min(bytes.length, position + length)))),
    async *stream(start, end) {
      for (let at = start; at < end; at += 1024 * 1024) {
        await Promise.resolve();
        yield bytes.subarray(at, Math.min(end, at + 1024 * 1024));
      }
    },
    close: () => Promise.resolve(),
  };
}

// ---------------------------------------------------------------------------------------------
// Values

export class PdfName {
  constructor(readonly name: string) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}

export class PdfString {
  constructor(
    readonly bytes: Uint8Array,
    /** Absolute offsets of the token in the file: its first byte and one past its last (-1 if not from the file). */
    readonly start: number,
    readonly end: number,
    readonly hex: boolean,
  ) {}

  /** A PDF text string: UTF-16BE after a byte-order mark, else PDFDocEncoding (read as Latin-1; our keys are ASCII). */
  text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      const swapped = Buffer.from(b.subarray(2));
      if (swapped.length % 2 !== 0) throw new PdfError("a UTF-16 text string of odd length");
      swapped.swap16();
      return swapped.toString("utf16le");
    }
    return Buffer.from(b).toString("latin1");
  }
}

export type PdfDict = Map<string, PdfValue>;
export type PdfValue = null | boolean | number | PdfName | PdfRef | PdfString | PdfValue[] | PdfDict;

export const isDict = (v: PdfValue | undefined): v is PdfDict => v instanceof Map;
export const isName = (v: PdfValue | undefined, name?: string): v is PdfName => v instanceof PdfName && (name === undefined || v.name === name);

// ---------------------------------------------------------------------------------------------
// Lexer and parser over one window of bytes

/** The window ended inside a value: read more. */
class NeedMore extends Error {}

const WS = new Set([0, 9, 10, 12, 13, 32]);
const DELIM = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);
const isRegular = (c: number) => !WS.has(c) && !DELIM.has(c);

class Parser {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    /** Absolute offset of buf[0]. */
    readonly base: number,
    /** Whether buf ends where the file ends (no more can be read). */
    readonly atEnd: boolean,
  ) {}

  private byte(at = this.pos): number {
    const c = this.buf[at];
    if (c === undefined) throw this.atEnd ? new PdfError("the PDF ends inside an object") : new NeedMore();
    return c;
  }

  skipSpace(): void {
    for (;;) {
      if (this.pos >= this.buf.length) {
        if (this.atEnd) return;
        throw new NeedMore();
      }
      const c = this.byte();
      if (WS.has(c)) this.pos++;
      else if (c === 0x25) {
        while (this.pos < this.buf.length && this.buf[this.pos] !== 10 && this.buf[this.pos] !== 13) this.pos++;
      } else return;
    }
  }

  /** A bare word (keyword or number) at the position, not consumed. */
  peekWord(): string {
    this.skipSpace();
    let end = this.pos;
    while (end < this.buf.length && isRegular(this.buf[end] ?? 0)) end++;
    if (end === this.buf.length && !this.atEnd) throw new NeedMore();
    return Buffer.from(this.buf.subarray(this.pos, end)).toString("latin1");
  }

  word(): string {
    const w = this.peekWord();
    this.pos += w.length;
    return w;
  }

  expectWord(expected: string): void {
    const w = this.word();
    if (w !== expected) throw new PdfError(`expected "${expected}", found "${w.slice(0, 20)}"`);
  }

  integer(): number {
    const w = this.word();
    if (!/^\d{1,15}$/.test(w)) throw new PdfError(`expected an integer, found "${w.slice(0, 20)}"`);
    return Number(w);
  }

  value(depth = 0): PdfValue {
    if (depth > MAX_DEPTH) throw new PdfError("objects nested too deeply");
    this.skipSpace();
    const c = this.byte();
    if (c === 0x3c) {
      if (this.byte(this.pos + 1) === 0x3c) return this.dict(depth);
      return this.hexString();
    }
    if (c === 0x28) return this.literalString();
    if (c === 0x5b) {
      this.pos++;
      const items: PdfValue[] = [];
      for (;;) {
        this.skipSpace();
        if (this.byte() === 0x5d) {
          this.pos++;
          return items;
        }
        items.push(this.value(depth + 1));
      }
    }
    if (c === 0x2f) return this.name();
    const w = this.peekWord();
    if (w === "") throw new PdfError(`unexpected "${String.fromCharCode(c)}" in an object`);
    if (w === "true" || w === "false" || w === "null") {
      this.pos += w.length;
      return w === "true" ? true : w === "false" ? false : null;
    }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(w)) throw new PdfError(`unexpected "${w.slice(0, 20)}" in an object`);
    this.pos += w.length;
    if (/^\d+$/.test(w)) {
      // "n g R" is a reference.
      const save = this.pos;
      try {
        const g = this.peekWord();
        if (/^\d+$/.test(g)) {
          this.pos += g.length;
          if (this.peekWord() === "R") {
            this.pos += 1;
            return new PdfRef(Number(w), Number(g));
          }
        }
      } catch (error) {
        if (!(error instanceof PdfError)) throw error;
      }
      this.pos = save;
    }
    return Number(w);
  }

  private dict(depth: number): PdfDict {
    this.pos += 2;
    const map: PdfDict = new Map();
    for (;;) {
      this.skipSpace();
      if (this.byte() === 0x3e) {
        if (this.byte(this.pos + 1) !== 0x3e) throw new PdfError("a dictionary ends with a single >");
        this.pos += 2;
        return map;
      }
      const key = this.value(depth + 1);
      if (!(key instanceof PdfName)) throw new PdfError("a dictionary key is not a name");
      map.set(key.name, this.value(depth + 1));
    }
  }

  private name(): PdfName {
    this.pos++;
    const start = this.pos;
    while (isRegular(this.byte())) this.pos++;
    const raw = Buffer.from(this.buf.subarray(start, this.pos)).toString("latin1");
    return new PdfName(raw.replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  }

  private hexString(): PdfString {
    const start = this.pos;
    this.pos++;
    const digits: number[] = [];
    for (;;) {
      const c = this.byte();
      this.pos++;
      if (c === 0x3e) break;
      if (WS.has(c)) continue;
      const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1;
      if (v < 0) throw new PdfError("a hex string holds a non-hex character");
      digits.push(v);
    }
    if (digits.length % 2) digits.push(0);
    const bytes = new Uint8Array(digits.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (digits[2 * i] ?? 0) * 16 + (digits[2 * i + 1] ?? 0);
    return new PdfString(bytes, this.base + start, this.base + this.pos, true);
  }

  private literalString(): PdfString {
    const start = this.pos;
    this.pos++;
    const out: number[] = [];
    let nesting = 1;
    for (;;) {
      const c = this.byte();
      this.pos++;
      if (c === 0x5c) {
        const e = this.byte();
        this.pos++;
        const simple: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12, 0x28: 0x28, 0x29: 0x29, 0x5c: 0x5c };
        if (simple[e] !== undefined) out.push(simple[e]);
        else if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let k = 0; k < 2; k++) {
            const d = this.byte();
            if (d < 0x30 || d > 0x37) break;
            v = v * 8 + d - 0x30;
            this.pos++;
          }
          out.push(v & 0xff);
        } else if (e === 13) {
          if (this.byte() === 10) this.pos++;
        } else if (e !== 10) out.push(e);
      } else if (c === 0x28) {
        nesting++;
        out.push(c);
      } else if (c === 0x29) {
        if (--nesting === 0) break;
        out.push(c);
      } else out.push(c);
    }
    return new PdfString(Uint8Array.from(out), this.base + start, this.base + this.pos, false);
  }
}

// ---------------------------------------------------------------------------------------------
// The document

interface XrefEntry {
  /** 1: at a byte offset; 2: inside an object stream. */
  type: 1 | 2;
  offset: number;
  /** For type 2: the object stream's number and the index in it. */
  stream?: number;
  index?: number;
}

type XrefSection =
  | { kind: "table"; subs: { start: number; count: number; at: number }[] }
  | { kind: "stream"; subs: { start: number; count: number; at: number }[]; data: Uint8Array; widths: [number, number, number] };

export interface IndirectObject {
  value: PdfValue;
  /** For a stream: the absolute offset of its first data byte. */
  streamStart?: number;
  /** Absolute offset of "n g obj" and one past the object's value. */
  start: number;
  end: number;
}

export class PdfDocument {
  /** The cross-reference sections, newest first, read lazily: a letter may have a million objects. */
  private readonly sections: XrefSection[] = [];
  trailer: PdfDict = new Map();
  private readonly objStreams = new Map<number, { data: Uint8Array; offsets: Map<number, number> }>();
  private readonly cache = new Map<number, IndirectObject>();
  /** Offset of the last startxref's target. */
  startxref = 0;

  private constructor(readonly source: ByteSource) {}

  static async open(source: ByteSource): Promise<PdfDocument> {
    const doc = new PdfDocument(source);
    await doc.readXref();
    return doc;
  }

  private async readXref(): Promise<void> {
    const { size } = this.source;
    const head = Buffer.from(await this.source.read(0, 1024)).toString("latin1");
    if (!head.includes("%PDF-")) throw new PdfError("not a PDF (no %PDF- header)");
    const tailStart = Math.max(0, size - 4096);
    const tail = Buffer.from(await this.source.read(tailStart, size - tailStart)).toString("latin1");
    const at = tail.lastIndexOf("startxref");
    if (at < 0) throw new PdfError("no startxref at the end of the file (truncated?)");
    const m = /^startxref\s+(\d{1,15})\s/.exec(tail.slice(at));
    if (!m?.[1]) throw new PdfError("a malformed startxref");
    if (!tail.slice(at).includes("%%EOF")) throw new PdfError("no %%EOF at the end of the file (truncated?)");
    this.startxref = Number(m[1]);
    const seen = new Set<number>();
    let offset: number | null = this.startxref;
    while (offset !== null) {
      if (seen.has(offset) || seen.size >= MAX_SECTIONS) throw new PdfError("a loop or too many sections in the cross-reference chain");
      seen.add(offset);
      if (offset >= size) throw new PdfError("a cross-reference offset beyond the end of the file");
      const section = await this.readSection(offset);
      if (this.sections.length === 1) this.trailer = section;
      const prev = section.get("Prev");
      offset = typeof prev === "number" ? prev : null;
    }
  }

  /** Where object `num` is, from the newest section that lists it (null: free or absent). */
  private async entry(num: number): Promise<XrefEntry | null> {
    for (const section of this.sections) {
      for (const sub of section.subs) {
        if (num < sub.start || num >= sub.start + sub.count) continue;
        const k = num - sub.start;
        if (section.kind === "table") {
          const e = Buffer.from(await this.source.read(sub.at + k * 20, 20)).toString("latin1");
          if (!/^\d{10} \d{5} [nf][ \r\n]{2}$/.test(e)) throw new PdfError(`a malformed cross-reference entry for object ${num}`);
          return e[17] === "n" ? { type: 1, offset: Number(e.slice(0, 10)) } : null;
        }
        const w = section.widths;
        let at = sub.at + k * (w[0] + w[1] + w[2]);
        const field = (width: number, dflt: number) => {
          if (width === 0) return dflt;
          let v = 0;
          for (let i = 0; i < width; i++) v = v * 256 + (section.data[at++] ?? 0);
          return v;
        };
        const type = field(w[0], 1);
        const a = field(w[1], 0);
        const b = field(w[2], 0);
        return type === 1 ? { type: 1, offset: a } : type === 2 ? { type: 2, offset: 0, stream: a, index: b } : null;
      }
    }
    return null;
  }

  private async readSection(offset: number): Promise<PdfDict> {
    const first = Buffer.from(await this.source.read(offset, 4)).toString("latin1");
    if (first === "xref") return this.readTable(offset + 4);
    // A cross-reference stream.
    const obj = await this.readObjectAt(offset, null);
    if (!isDict(obj.value) || !isName(obj.value.get("Type"), "XRef") || obj.streamStart === undefined) {
      throw new PdfError("startxref points at neither a cross-reference table nor a stream");
    }
    const dict = obj.value;
    const data = await this.streamBytes(dict, obj.streamStart, MAX_INFLATED);
    const w = dict.get("W");
    const sizeEntry = dict.get("Size");
    if (!Array.isArray(w) || w.length !== 3 || !w.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= 8)) {
      throw new PdfError("a cross-reference stream with a bad /W");
    }
    if (typeof sizeEntry !== "number") throw new PdfError("a cross-reference stream without /Size");
    const widths = w.map(Number);
    const index = dict.get("Index") ?? [0, sizeEntry];
    if (!Array.isArray(index) || index.length % 2 !== 0 || !index.every((x) => typeof x === "number")) throw new PdfError("a bad /Index");
    const [w0 = 0, w1 = 0, w2 = 0] = widths;
    const rowLength = w0 + w1 + w2;
    const subs: XrefSection["subs"] = [];
    let at = 0;
    for (let i = 0; i < index.length; i += 2) {
      const start = Number(index[i]);
      const count = Number(index[i + 1]);
      if (!Number.isSafeInteger(start) || start < 0 || count < 0 || count > MAX_XREF_ENTRIES || at + count * rowLength > data.length) {
        throw new PdfError("a cross-reference stream shorter than its /Index");
      }
      subs.push({ start, count, at });
      at += count * rowLength;
    }
    this.sections.push({ kind: "stream", subs, data, widths: [w0, w1, w2] });
    return dict;
  }

  private async readTable(position: number): Promise<PdfDict> {
    let pos = position;
    const section: XrefSection = { kind: "table", subs: [] };
    this.sections.push(section);
    for (let guard = 0; guard < 10_000; guard++) {
      const lineBytes = Buffer.from(await this.source.read(pos, 64)).toString("latin1");
      const m = /^\s*(\d{1,10}) (\d{1,10})[ \t]*\r?\n?/.exec(lineBytes);
      if (!m) {
        const t = /^\s*trailer/.exec(lineBytes);
        if (!t) throw new PdfError("a malformed cross-reference table");
        const obj = await this.parseAt(pos + t[0].length, (p) => p.value());
        if (!isDict(obj)) throw new PdfError("the trailer is not a dictionary");
        return obj;
      }
      const start = Number(m[1]);
      const count = Number(m[2]);
      if (count > MAX_XREF_ENTRIES) throw new PdfError("a cross-reference subsection too large");
      pos += m[0].length;
      if (pos + count * 20 > this.source.size) throw new PdfError("the cross-reference table is cut short");
      section.subs.push({ start, count, at: pos });
      pos += count * 20;
    }
    throw new PdfError("a cross-reference table without a trailer");
  }

  /** Parses with `fn` at an absolute offset, widening the window as needed. */
  private async parseAt<T>(offset: number, fn: (p: Parser) => T): Promise<T> {
    for (let window = 64 * 1024; ; window *= 4) {
      const buf = await this.source.read(offset, window);
      const atEnd = offset + buf.length >= this.source.size;
      try {
        return fn(new Parser(buf, offset, atEnd));
      } catch (error) {
        if (!(error instanceof NeedMore)) throw error;
        if (window >= MAX_OBJECT) throw new PdfError(`an object at offset ${offset} larger than ${MAX_OBJECT} bytes`);
      }
    }
  }

  private async readObjectAt(offset: number, num: number | null): Promise<IndirectObject> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.source.size) throw new PdfError(`object ${num ?? "?"} is beyond the end of the file`);
    return this.parseAt(offset, (p) => {
      const n = p.integer();
      p.integer();
      p.expectWord("obj");
      if (num !== null && n !== num) throw new PdfError(`the cross-reference table points object ${num} at object ${n}`);
      const value = p.value();
      p.skipSpace();
      let streamStart: number | undefined;
      if (p.peekWord() === "stream") {
        p.pos += 6;
        if (p.buf[p.pos] === 13) p.pos++;
        if (p.buf[p.pos] !== 10) throw new PdfError(`object ${n}: "stream" is not followed by an end of line`);
        p.pos++;
        streamStart = p.base + p.pos;
      }
      return { value, streamStart, start: offset, end: p.base + p.pos };
    });
  }

  /** The object `num`, or null for an absent or free one. */
  async object(num: number): Promise<IndirectObject | null> {
    const cached = this.cache.get(num);
    if (cached) return cached;
    const entry = await this.entry(num);
    if (!entry) return null;
    let obj: IndirectObject;
    if (entry.type === 1) obj = await this.readObjectAt(entry.offset, num);
    else obj = await this.compressedObject(num, entry.stream ?? -1, entry.index ?? -1);
    if (this.cache.size < 256) this.cache.set(num, obj);
    return obj;
  }

  private async compressedObject(num: number, streamNum: number, index: number): Promise<IndirectObject> {
    let os = this.objStreams.get(streamNum);
    if (!os) {
      const container = await this.object(streamNum);
      if (!container || !isDict(container.value) || container.streamStart === undefined || !isName(container.value.get("Type"), "ObjStm")) {
        throw new PdfError(`object ${num} is in ${streamNum}, which is not an object stream`);
      }
      const data = await this.streamBytes(container.value, container.streamStart, MAX_INFLATED);
      const n = container.value.get("N");
      const first = container.value.get("First");
      if (typeof n !== "number" || typeof first !== "number") throw new PdfError(`object stream ${streamNum} without /N or /First`);
      const header = new Parser(data.subarray(0, first), -1, true);
      const offsets = new Map<number, number>();
      for (let k = 0; k < n; k++) {
        const objNum = header.integer();
        offsets.set(objNum, first + header.integer());
      }
      os = { data, offsets };
      if (this.objStreams.size >= 4) this.objStreams.clear();
      this.objStreams.set(streamNum, os);
    }
    const at = os.offsets.get(num);
    if (at === undefined || index < 0) throw new PdfError(`object ${num} is not in object stream ${streamNum}`);
    const p = new Parser(os.data.subarray(at), -1, true);
    return { value: p.value(), start: -1, end: -1 };
  }

  /** Follows a reference (a chain of at most 16); other values as they are. */
  async resolve(value: PdfValue | undefined): Promise<PdfValue> {
    let v = value ?? null;
    for (let i = 0; v instanceof PdfRef; i++) {
      if (i >= 16) throw new PdfError("a chain of references too long");
      v = (await this.object(v.num))?.value ?? null;
    }
    return v;
  }

  async dict(value: PdfValue | undefined, what: string): Promise<PdfDict> {
    const v = await this.resolve(value);
    if (!isDict(v)) throw new PdfError(`${what} is not a dictionary`);
    return v;
  }

  /** The stream's raw (still encoded) byte range. */
  async streamRange(dict: PdfDict, start: number): Promise<{ start: number; end: number }> {
    const length = await this.resolve(dict.get("Length"));
    if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) throw new PdfError("a stream without a valid /Length");
    if (start + length > this.source.size) throw new PdfError("a stream runs beyond the end of the file");
    const after = Buffer.from(await this.source.read(start + length, 32)).toString("latin1");
    if (!/^\s*endstream/.test(after)) throw new PdfError("a stream's /Length does not end at endstream");
    return { start, end: start + length };
  }

  private async filters(dict: PdfDict): Promise<{ flate: boolean; params: PdfDict | null }> {
    const filter = await this.resolve(dict.get("Filter"));
    const names = filter === null ? [] : Array.isArray(filter) ? filter : [filter];
    if (names.length > 1 || !names.every((n) => isName(n, "FlateDecode"))) {
      throw new PdfError(`a stream encoded with ${names.map((n) => (n instanceof PdfName ? n.name : "?")).join(", ")} (only FlateDecode is read)`);
    }
    let params = await this.resolve(dict.get("DecodeParms"));
    if (Array.isArray(params)) params = await this.resolve(params[0]);
    return { flate: names.length === 1, params: isDict(params) ? params : null };
  }

  /** The decoded data of a stream, chunk by chunk (inflated as it is read; never all in memory). */
  async *streamChunks(dict: PdfDict, start: number): AsyncGenerator<Uint8Array> {
    const range = await this.streamRange(dict, start);
    const { flate, params } = await this.filters(dict);
    const predictor = params?.get("Predictor");
    if (typeof predictor === "number" && predictor > 1) throw new PdfError("an embedded file with a predictor (not read)");
    const raw = Readable.from(this.source.stream(range.start, range.end));
    if (!flate) {
      for await (const chunk of raw) yield chunk as Uint8Array;
      return;
    }
    const inflate = zlib.createInflate();
    raw.on("error", (e) => inflate.destroy(e));
    raw.pipe(inflate);
    try {
      for await (const chunk of inflate) yield chunk as Uint8Array;
    } catch (error) {
      throw new PdfError(`a FlateDecode stream does not inflate (${error instanceof Error ? error.message : String(error)})`);
    } finally {
      raw.destroy();
      inflate.destroy();
    }
  }

  /** A whole decoded stream, at most `limit` bytes (cross-reference and object streams). */
  async streamBytes(dict: PdfDict, start: number, limit: number): Promise<Uint8Array> {
    const range = await this.streamRange(dict, start);
    const { flate, params } = await this.filters(dict);
    if (range.end - range.start > limit) throw new PdfError("a stream too large");
    const raw = await this.source.read(range.start, range.end - range.start);
    let data: Uint8Array = raw;
    if (flate) {
      try {
        data = zlib.inflateSync(raw, { maxOutputLength: limit });
      } catch (error) {
        throw new PdfError(`a FlateDecode stream does not inflate (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    const predictor = params?.get("Predictor");
    if (typeof predictor === "number" && predictor >= 10) {
      const columns = params?.get("Columns");
      data = undoPngPredictor(data, typeof columns === "number" ? columns : 1);
    } else if (typeof predictor === "number" && predictor > 1) throw new PdfError("a TIFF predictor (not read)");
    return data;
  }
}

/** PNG row filters (RFC 2083 §6), one byte per pixel, as cross-reference streams use them. */
function undoPngPredictor(data: Uint8Array, columns: number): Uint8Array {
  if (!Number.isInteger(columns) || columns < 1 || columns > 1 << 16) throw new PdfError("a bad /Columns");
  const rowIn = columns + 1;
  if (data.length % rowIn !== 0) throw new PdfError("predicted data of the wrong length");
  const rows = data.length / rowIn;
  const out = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const type = data[r * rowIn];
    for (let c = 0; c < columns; c++) {
      const x = data[r * rowIn + 1 + c] ?? 0;
      const left = c > 0 ? (out[r * columns + c - 1] ?? 0) : 0;
      const up = r > 0 ? (out[(r - 1) * columns + c] ?? 0) : 0;
      const upLeft = r > 0 && c > 0 ? (out[(r - 1) * columns + c - 1] ?? 0) : 0;
      let v: number;
      if (type === 0) v = x;
      else if (type === 1) v = x + left;
      else if (type === 2) v = x + up;
      else if (type === 3) v = x + ((left + up) >> 1);
      else if (type === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        v = x + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
      } else throw new PdfError("an unknown PNG predictor");
      out[r * columns + c] = v & 0xff;
    }
  }
  return out;
}

import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import { cadesDetachedSignature } from "./cades.server";
import { BYTE_RANGE_MARKER } from "./signature-placeholder.server";
import type { SigningIdentity } from "./signing-identity.server";
import type { Timestamper } from "./timestamp.server";

/**
 * Fills the signature placeholder of a rendered letter (signature-placeholder.server.ts): a PAdES
 * B-B signature whose /ByteRange covers the whole file but the /Contents hex string.
 *
 * Letters are streamed to disk and can be hundreds of megabytes, so a file is signed in place and
 * never held in memory:
 *   1. find the placeholder, reading backwards from the end in CHUNK windows (pdfkit writes it just
 *      before the fonts, the page tree and the xref, so it is near the end);
 *   2. compute the real /ByteRange (36 characters over the placeholder's, inside the signed bytes);
 *   3. hash the two ranges with SHA-256, reading CHUNK bytes at a time into one reused buffer, the
 *      new ByteRange patched into the chunk that holds it;
 *   4. build the CMS (cades.server.ts; with a time-stamp for B-T), then write its hex into
 *      /Contents, zero-padded, and the ByteRange — nothing is written before the CMS exists;
 *   5. fsync. Peak memory is one CHUNK buffer and the CMS, whatever the file's size.
 * A file without a placeholder (or already signed) is refused.
 */

const CHUNK = 1024 * 1024;
const CONTENTS = "/Contents <";
const HEX = "0123456789abcdef";

export interface SignedRange {
  /** [0, contents start, contents end, rest length], as written to /ByteRange. */
  byteRange: [number, number, number, number];
  /** SHA-256 of the signed bytes, hex. */
  digest: string;
  /** SHA-256 of the whole signed file, hex. */
  fileSha256: string;
  /** Length of the CMS (DER) written into /Contents. */
  cmsBytes: number;
}

/** Random access to the bytes being signed: a file descriptor or a Buffer. */
interface Bytes {
  size: number;
  read(buffer: Buffer, length: number, position: number): Promise<number>;
  write(data: Buffer, position: number): Promise<void>;
}

function fileBytes(handle: fs.FileHandle, size: number): Bytes {
  return {
    size,
    read: async (buffer, length, position) => (await handle.read(buffer, 0, length, position)).bytesRead,
    write: async (data, position) => {
      let done = 0;
      while (done < data.length) done += (await handle.write(data, done, data.length - done, position + done)).bytesWritten;
    },
  };
}

function bufferBytes(pdf: Buffer): Bytes {
  return {
    size: pdf.length,
    read: (buffer, length, position) => Promise.resolve(pdf.copy(buffer, 0, position, Math.min(pdf.length, position + length))),
    write: (data, position) => {
      data.copy(pdf, position);
      return Promise.resolve();
    },
  };
}

async function readExactly(bytes: Bytes, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await bytes.read(buffer.subarray(done), length - done, position + done);
    if (n === 0) throw new Error("the PDF ended early while signing");
    done += n;
  }
}

interface Placeholder {
  /** Offset of "/ByteRange". */
  byteRangeAt: number;
  /** Offset of the "<" of /Contents and of the byte after its ">". */
  contentsStart: number;
  contentsEnd: number;
}

/** The last BYTE_RANGE_MARKER in the file, read backwards in CHUNK windows that overlap by the marker's length. */
async function findPlaceholder(bytes: Bytes, buffer: Buffer): Promise<Placeholder> {
  const marker = Buffer.from(BYTE_RANGE_MARKER, "latin1");
  let end = bytes.size;
  let byteRangeAt = -1;
  while (end > 0 && byteRangeAt < 0) {
    const start = Math.max(0, end - CHUNK);
    await readExactly(bytes, buffer, end - start, start);
    const at = buffer.subarray(0, end - start).lastIndexOf(marker);
    if (at >= 0) byteRangeAt = start + at;
    else end = start === 0 ? 0 : start + marker.length - 1;
  }
  if (byteRangeAt < 0) throw new Error("the PDF has no signature placeholder (not rendered with one, or already signed)");

  // "/Contents <" follows the ByteRange in the same dictionary; then only "0"s up to ">".
  const head = Math.min(256, bytes.size - byteRangeAt);
  await readExactly(bytes, buffer, head, byteRangeAt);
  const contentsAt = buffer.subarray(0, head).indexOf(CONTENTS, marker.length, "latin1");
  if (contentsAt < 0) throw new Error("the signature placeholder has no /Contents after its /ByteRange");
  const contentsStart = byteRangeAt + contentsAt + CONTENTS.length - 1;
  let contentsEnd = -1;
  for (let position = contentsStart + 1; position < bytes.size && contentsEnd < 0; position += CHUNK) {
    const length = Math.min(CHUNK, bytes.size - position);
    await readExactly(bytes, buffer, length, position);
    for (let i = 0; i < length; i++) {
      const c = buffer[i];
      if (c === 0x3e) {
        contentsEnd = position + i + 1;
        break;
      }
      if (c !== 0x30) throw new Error("the signature placeholder's /Contents is not empty (already signed?)");
    }
  }
  if (contentsEnd < 0) throw new Error("the signature placeholder's /Contents is not closed");
  return { byteRangeAt, contentsStart, contentsEnd };
}

/** Feeds bytes [start, start + length) to `hash`, as if `patch` were already written at its offset. */
async function hashRange(bytes: Bytes, buffer: Buffer, hash: crypto.Hash, start: number, length: number, patch: { at: number; data: Buffer }): Promise<void> {
  for (let done = 0; done < length;) {
    const n = Math.min(CHUNK, length - done);
    const position = start + done;
    await readExactly(bytes, buffer, n, position);
    const from = Math.max(patch.at, position);
    const to = Math.min(patch.at + patch.data.length, position + n);
    if (from < to) patch.data.copy(buffer, from - position, from - patch.at, to - patch.at);
    hash.update(buffer.subarray(0, n));
    done += n;
  }
}

function toHex(data: Buffer, width: number): Buffer {
  const out = Buffer.alloc(width, "0", "latin1");
  for (let i = 0; i < data.length; i++) {
    out[2 * i] = HEX.charCodeAt(data[i]! >> 4);
    out[2 * i + 1] = HEX.charCodeAt(data[i]! & 15);
  }
  return out;
}

export interface SignOptions {
  /** Adds an RFC 3161 time-stamp on the signature (PAdES B-T); see httpTimestamper in timestamp.server.ts. */
  timestamp?: Timestamper;
}

async function signBytesInPlace(bytes: Bytes, identity: SigningIdentity, options: SignOptions): Promise<SignedRange> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  const { byteRangeAt, contentsStart, contentsEnd } = await findPlaceholder(bytes, buffer);
  const byteRange: SignedRange["byteRange"] = [0, contentsStart, contentsEnd, bytes.size - contentsEnd];

  const arrayAt = byteRangeAt + "/ByteRange ".length;
  const arrayWidth = BYTE_RANGE_MARKER.length - "/ByteRange ".length;
  const array = `[${byteRange.join(" ")}]`;
  if (array.length > arrayWidth) throw new Error("the PDF is too large for its /ByteRange placeholder");
  const byteRangeBytes = Buffer.from(array.padEnd(arrayWidth, " "), "latin1");

  // The ByteRange is hashed as it will be written, and written only with the CMS: a failure
  // before that (a time-stamp authority that does not answer) leaves the placeholder untouched.
  const patch = { at: arrayAt, data: byteRangeBytes };
  const signed = crypto.createHash("sha256");
  await hashRange(bytes, buffer, signed, 0, contentsStart, patch);
  // The whole file's SHA-256 (what the letter pipeline records) shares the first range; only the
  // tail after /Contents (fonts, page tree, xref: a few MB at most) is read a second time.
  const whole = signed.copy();
  await hashRange(bytes, buffer, signed, contentsEnd, bytes.size - contentsEnd, patch);
  const digest = signed.digest();

  const cms = await cadesDetachedSignature(digest, identity, options.timestamp);
  const width = contentsEnd - contentsStart - 2;
  if (cms.length * 2 > width) throw new Error(`the signature (${cms.length} bytes) does not fit its placeholder (${width / 2} bytes)`);
  const contents = toHex(cms, width);
  await bytes.write(contents, contentsStart + 1);
  await bytes.write(byteRangeBytes, arrayAt);
  whole.update("<").update(contents).update(">");
  await hashRange(bytes, buffer, whole, contentsEnd, bytes.size - contentsEnd, patch);
  return { byteRange, digest: digest.toString("hex"), fileSha256: whole.digest("hex"), cmsBytes: cms.length };
}

/** Signs the PDF at `file` in place (see the top of this file); fsyncs before returning. */
export async function signPdfFile(file: string, identity: SigningIdentity, options: SignOptions = {}): Promise<SignedRange> {
  const handle = await fs.open(file, "r+");
  try {
    const { size } = await handle.stat();
    const result = await signBytesInPlace(fileBytes(handle, size), identity, options);
    await handle.sync();
    return result;
  } finally {
    await handle.close();
  }
}

/** Signs a PDF held in memory (small letters, tests); returns a signed copy, `pdf` is left as it was. */
export async function signPdfBuffer(pdf: Buffer, identity: SigningIdentity, options: SignOptions = {}): Promise<{ pdf: Buffer } & SignedRange> {
  const copy = Buffer.from(pdf);
  const result = await signBytesInPlace(bufferBytes(copy), identity, options);
  return { pdf: copy, ...result };
}

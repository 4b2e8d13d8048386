import crypto from "node:crypto";
import { readOneFileForm } from "./one-file-form.server";

/** The largest letter a verification takes (the body limit in server/body-limit.ts is 1 MB more). */
export const MAX_VERIFY_UPLOAD = 512 * 1024 * 1024;

/**
 * What the verify form may hold. A browser sends one part: the file (`files: 1`). A few small
 * fields are tolerated and ignored; anything past these bounds is refused at the part that
 * crosses them, without reading the rest of the body.
 */
export const VERIFY_LIMITS = { parts: 4, files: 1, fields: 3, fieldSize: 1024, fieldNameSize: 100, headerPairs: 20, fileSize: MAX_VERIFY_UPLOAD } as const;

/** The whole upload must arrive within this time (512 MB at ~1 MB/s). */
export const VERIFY_UPLOAD_MS = 10 * 60_000;

export type UploadRefusal = "noFile" | "badForm" | "tooLarge" | "tooSlow";
export type UploadDigest = { ok: true; sha256: string } | { ok: false; reason: UploadRefusal };

/**
 * The SHA-256 of the form's one file part `file`, computed as it streams in; nothing is kept.
 * A form that is not multipart, has another file, too many or too large parts or fields, a file
 * over MAX_VERIFY_UPLOAD, or takes longer than `timeoutMs` is refused as soon as that is known,
 * and the rest of the body is not read (the request body stream is cancelled).
 */
export async function hashUpload(request: Request, timeoutMs = VERIFY_UPLOAD_MS): Promise<UploadDigest> {
  const hash = crypto.createHash("sha256");
  let size = 0;
  const form = await readOneFileForm(request, {
    limits: VERIFY_LIMITS,
    timeoutMs,
    onChunk: (chunk) => {
      size += chunk.length;
      hash.update(chunk);
    },
  });
  if (!form.ok) return form;
  return form.fileComplete && size > 0 ? { ok: true, sha256: hash.digest("hex") } : { ok: false, reason: "noFile" };
}

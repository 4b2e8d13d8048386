import crypto from "node:crypto";
import busboy from "busboy";

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
  const body = request.body;
  if (!body) return { ok: false, reason: "noFile" };
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { "content-type": request.headers.get("content-type") ?? "" }, limits: VERIFY_LIMITS });
  } catch {
    await body.cancel().catch(() => undefined);
    return { ok: false, reason: "badForm" };
  }
  const reader = body.getReader();
  return new Promise<UploadDigest>((resolve) => {
    let settled = false;
    let sha256: string | null = null;
    let seenFile = false;
    const finish = (result: UploadDigest) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!result.ok) {
        reader.cancel().catch(() => undefined);
        parser.destroy();
      }
      resolve(result);
    };
    const refuse = (reason: UploadRefusal) => finish({ ok: false, reason });
    const timer = setTimeout(() => refuse("tooSlow"), timeoutMs);

    parser.on("file", (name, stream) => {
      // A body that ends inside the part ("Unexpected end of file") fails the part's stream; an
      // 'error' event without a listener would stop the process.
      stream.on("error", () => refuse("badForm"));
      if (name !== "file" || seenFile) {
        stream.resume();
        refuse("badForm");
        return;
      }
      seenFile = true;
      const hash = crypto.createHash("sha256");
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        hash.update(chunk);
      });
      stream.on("limit", () => refuse("tooLarge"));
      stream.on("end", () => {
        if (!stream.truncated && size > 0) sha256 = hash.digest("hex");
      });
    });
    parser.on("field", (_name, _value, info) => {
      if (info.nameTruncated || info.valueTruncated) refuse("badForm");
    });
    parser.on("partsLimit", () => refuse("badForm"));
    parser.on("filesLimit", () => refuse("badForm"));
    parser.on("fieldsLimit", () => refuse("badForm"));
    parser.on("error", () => refuse("badForm"));
    parser.on("close", () => finish(sha256 ? { ok: true, sha256 } : { ok: false, reason: "noFile" }));

    // Feed the parser at its own pace (it says when it has room), and stop once decided.
    void (async () => {
      try {
        for (;;) {
          if (settled) return;
          const { done, value } = await reader.read();
          if (settled) return;
          if (done) {
            parser.end();
            return;
          }
          if (!parser.write(value)) await roomIn(parser);
        }
      } catch {
        // The body broke off (the client left, or it passed the size limit).
        refuse("badForm");
      }
    })();
  });
}

/** Resolves when the parser can take more bytes, or has been closed. */
function roomIn(parser: busboy.Busboy): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      parser.off("drain", done);
      parser.off("close", done);
      resolve();
    };
    parser.on("drain", done);
    parser.on("close", done);
  });
}

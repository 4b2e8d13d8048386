import busboy from "busboy";

/**
 * A multipart form with at most one file part, named `file`, read within bounds: the limits given
 * (parts, files, fields, sizes) are enforced by busboy as each is reached, the whole form must arrive
 * within `timeoutMs`, and on the first refusal the request body is cancelled and its rest never
 * read. The parser is fed at its own pace (it says when it has room). The file's bytes go to
 * `onChunk` as they arrive (a hash, a buffer); nothing else of it is kept here.
 *
 * Used by the /verify upload (app/services/verify-upload.server.ts: a letter, hashed) and the
 * organization page's certificate (app/services/certificate-upload.server.ts: a PKCS#12, kept).
 */

export type FormRefusal = "badForm" | "tooLarge" | "tooSlow";
export type OneFileForm =
  | {
      ok: true;
      fields: Array<[string, string]>;
      /** True when the `file` part arrived whole (not cut at the size limit). */
      fileComplete: boolean;
    }
  | { ok: false; reason: FormRefusal };

export async function readOneFileForm(
  request: Request,
  options: { limits: busboy.Limits; timeoutMs: number; onChunk: (chunk: Buffer) => void },
): Promise<OneFileForm> {
  const body = request.body;
  if (!body) return { ok: true, fields: [], fileComplete: false };
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { "content-type": request.headers.get("content-type") ?? "" }, limits: options.limits });
  } catch {
    await body.cancel().catch(() => undefined);
    return { ok: false, reason: "badForm" };
  }
  const reader = body.getReader();
  return new Promise<OneFileForm>((resolve) => {
    let settled = false;
    const fields: Array<[string, string]> = [];
    let seenFile = false;
    let fileComplete = false;
    const finish = (result: OneFileForm) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!result.ok) {
        reader.cancel().catch(() => undefined);
        parser.destroy();
      }
      resolve(result);
    };
    const refuse = (reason: FormRefusal) => finish({ ok: false, reason });
    const timer = setTimeout(() => refuse("tooSlow"), options.timeoutMs);

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
      stream.on("data", options.onChunk);
      stream.on("limit", () => refuse("tooLarge"));
      stream.on("end", () => {
        fileComplete = !stream.truncated;
      });
    });
    parser.on("field", (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) refuse("badForm");
      else fields.push([name, value]);
    });
    parser.on("partsLimit", () => refuse("badForm"));
    parser.on("filesLimit", () => refuse("badForm"));
    parser.on("fieldsLimit", () => refuse("badForm"));
    parser.on("error", () => refuse("badForm"));
    parser.on("close", () => finish({ ok: true, fields, fileComplete }));

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

import busboy from "busboy";
import { MAX_PKCS12_BYTES } from "./signing-identity.server";

/**
 * The organization page's multipart form: one file part `file` (a PKCS#12 of at most
 * MAX_PKCS12_BYTES, kept in memory) and a few short text fields (the intent, the passphrase).
 * Anything past these bounds is refused at the part that crosses them, without reading the rest
 * of the body (as app/services/verify-upload.server.ts does for letters).
 */
export const CERTIFICATE_FORM_LIMITS = {
  parts: 4,
  files: 1,
  fields: 3,
  fieldSize: 1024,
  fieldNameSize: 100,
  headerPairs: 20,
  fileSize: MAX_PKCS12_BYTES,
} as const;

/** The whole form must arrive within this time. */
const UPLOAD_MS = 60_000;

export type CertificateFormRefusal = "badForm" | "tooLarge";
export type CertificateForm = { ok: true; fields: Array<[string, string]>; file: Buffer | null } | { ok: false; reason: CertificateFormRefusal };

export async function readCertificateForm(request: Request, timeoutMs = UPLOAD_MS): Promise<CertificateForm> {
  const body = request.body;
  if (!body) return { ok: true, fields: [], file: null };
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { "content-type": request.headers.get("content-type") ?? "" }, limits: CERTIFICATE_FORM_LIMITS });
  } catch {
    await body.cancel().catch(() => undefined);
    return { ok: false, reason: "badForm" };
  }
  const reader = body.getReader();
  return new Promise<CertificateForm>((resolve) => {
    let settled = false;
    const fields: Array<[string, string]> = [];
    let file: Buffer | null = null;
    let seenFile = false;
    const finish = (result: CertificateForm) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!result.ok) {
        reader.cancel().catch(() => undefined);
        parser.destroy();
      }
      resolve(result);
    };
    const refuse = (reason: CertificateFormRefusal) => finish({ ok: false, reason });
    const timer = setTimeout(() => refuse("badForm"), timeoutMs);

    parser.on("file", (name, stream) => {
      stream.on("error", () => refuse("badForm"));
      if (name !== "file" || seenFile) {
        stream.resume();
        refuse("badForm");
        return;
      }
      seenFile = true;
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("limit", () => refuse("tooLarge"));
      stream.on("end", () => {
        if (!stream.truncated) file = Buffer.concat(chunks);
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
    parser.on("close", () => finish({ ok: true, fields, file }));

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
        refuse("badForm");
      }
    })();
  });
}

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

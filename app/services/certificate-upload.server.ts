import { readOneFileForm } from "./one-file-form.server";
import { MAX_PKCS12_BYTES } from "./signing-identity.server";

/**
 * The organization page's multipart form: one file part `file` (a PKCS#12 of at most
 * MAX_PKCS12_BYTES, kept in memory) and a few short text fields (the intent, the passphrase).
 * Anything past these bounds is refused at the part that crosses them, without reading the rest
 * of the body (app/services/one-file-form.server.ts, shared with the /verify upload).
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
  const chunks: Buffer[] = [];
  const form = await readOneFileForm(request, { limits: CERTIFICATE_FORM_LIMITS, timeoutMs, onChunk: (chunk) => chunks.push(chunk) });
  // A form too slow to arrive is refused as a bad form, like the other refusals of this page.
  if (!form.ok) return { ok: false, reason: form.reason === "tooSlow" ? "badForm" : form.reason };
  return { ok: true, fields: form.fields, file: form.fileComplete ? Buffer.concat(chunks) : null };
}

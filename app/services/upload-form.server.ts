import type { UploadHandler } from "@remix-run/node";
import { unstable_parseMultipartFormData } from "@remix-run/node";
import { MAX_ATTACHMENT_BYTES } from "./attachments.server";
import { AppError } from "../utils/errors";

/** The type given to a `file` part that was larger than MAX_ATTACHMENT_BYTES (its bytes dropped). */
export const TOO_LARGE = "application/x-appeals-too-large";

/**
 * Keeps at most MAX_ATTACHMENT_BYTES of the file in memory; a larger file is drained and
 * replaced by a marker, so the other fields of the form still arrive and the answer is clear.
 * A text field keeps at most `fieldChars` characters (the form's schema refuses what is longer
 * than it allows, so `fieldChars` is set above that limit).
 */
const uploadHandlerFor =
  (fieldChars: number): UploadHandler =>
  async ({ name, filename, data }) => {
    const limit = name === "file" ? MAX_ATTACHMENT_BYTES : fieldChars * 4;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of data) {
      size += chunk.byteLength;
      if (size <= limit) chunks.push(chunk);
    }
    if (name !== "file") return Buffer.concat(chunks).toString("utf8").slice(0, fieldChars);
    if (size > MAX_ATTACHMENT_BYTES) return new File([], filename ?? "file", { type: TOO_LARGE });
    return new File([Buffer.concat(chunks)], filename ?? "file");
  };

/**
 * A dashboard form with one file (`file`): its fields and the file within MAX_ATTACHMENT_BYTES.
 * A body that is not multipart is read as an ordinary form; one that cannot be read, as empty.
 * Text fields are cut at `fieldChars` characters.
 */
export async function readUploadForm(request: Request, fieldChars = 1000): Promise<FormData> {
  try {
    return await unstable_parseMultipartFormData(request, uploadHandlerFor(fieldChars));
  } catch {
    return await request.formData().catch(() => new FormData());
  }
}

/** The uploaded `file`: null when none was chosen (an empty part), an error when it was too large. */
export async function uploadedFile(formData: FormData): Promise<{ filename: string; data: Uint8Array } | null> {
  const file = formData.get("file");
  if (!(file instanceof File)) return null;
  if (file.type === TOO_LARGE) throw new AppError("too_large", "attachment.tooLarge", { field: "file" });
  if (file.size === 0) return null;
  return { filename: file.name, data: new Uint8Array(await file.arrayBuffer()) };
}

import { z } from "zod";

/**
 * The organization page's certificate upload: a PKCS#12 file (read by
 * app/services/certificate-upload.server.ts, at most 64 KB) and its passphrase. The passphrase is
 * never sent back to the form, kept, or logged.
 */
export const certificateUploadSchema = z.object({
  _intent: z.literal("certificate", { message: "certificate.badForm" }),
  passphrase: z.string().max(1000, "form.tooLong:1000").default(""),
});

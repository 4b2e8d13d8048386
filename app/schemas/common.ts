import { z } from "zod";

/**
 * Shared field rules. Messages are i18n keys (see app/i18n/messages), translated where
 * the error is shown. Values are normalised here so the rest of the code sees clean data.
 */
// Control characters other than tab and newlines (C0, DEL, C1) and bidi overrides.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

export const text = (max: number) =>
  z
    .string({ message: "form.required" })
    .transform((v) => v.normalize("NFC").trim())
    .refine((v) => !CONTROL.test(v), { message: "form.controlChars" })
    .refine((v) => v.length <= max, { message: `form.tooLong:${max}` });

export const requiredText = (max: number) => text(max).refine((v) => v.length > 0, { message: "form.required" });

export const optionalText = (max: number) =>
  z
    .string()
    .optional()
    .transform((v) => v ?? "")
    .pipe(text(max))
    .transform((v) => (v === "" ? null : v));

/** Multi-line text (Markdown bodies): newlines and tabs allowed. */
export const longText = (max: number) =>
  z
    .string({ message: "form.required" })
    .transform((v) => v.normalize("NFC").replace(/\r\n?/g, "\n").trim())
    .refine((v) => !CONTROL.test(v), { message: "form.controlChars" })
    .refine((v) => v.length <= max, { message: `form.tooLong:${max}` });

const emailFormat = z.email();

export const email = z
  .string({ message: "form.required" })
  .transform((v) => v.trim())
  .refine((v) => v.length > 0, { message: "form.required" })
  .refine((v) => v.length <= 254 && emailFormat.safeParse(v).success, { message: "form.invalidEmail" })
  .transform((v) => v.toLowerCase());

export const checkbox = z
  .string()
  .optional()
  .transform((v) => v === "on" || v === "1" || v === "true");

import { z } from "zod";
import { EMAIL_MAX_LENGTH } from "./limits";

/**
 * Shared field rules. Messages are i18n keys (see app/i18n/messages), translated where
 * the error is shown. Values are normalised here so the rest of the code sees clean data.
 */
// Control characters other than tab and newlines (C0, DEL, C1) and bidi overrides.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

// Line breaks and tabs (C0), NEL (C1) and the Unicode line and paragraph separators.
const LINE_BREAK = /[\t\n\v\f\r\u0085\u2028\u2029]/;

/** Text that may span lines (a summary, a reason): tabs and newlines allowed. */
export const text = (max: number) =>
  z
    .string({ message: "form.required" })
    .transform((v) => v.normalize("NFC").trim())
    .refine((v) => !CONTROL.test(v), { message: "form.controlChars" })
    .refine((v) => v.length <= max, { message: `form.tooLong:${max}` });

/**
 * One line: a name, a city, a title, an organization… These go into e-mail subjects and
 * lines, PDFs and CSV cells, so a line break (which would let a signer write a paragraph of
 * their own into a platform e-mail) is refused, as are control characters and bidi overrides.
 * Every single-line field uses this (through requiredText / optionalText).
 */
export const singleLine = (max: number) => text(max).refine((v) => !LINE_BREAK.test(v), { message: "form.singleLine" });

export const requiredText = (max: number) => singleLine(max).refine((v) => v.length > 0, { message: "form.required" });

export const optionalText = (max: number) =>
  z
    .string()
    .optional()
    .transform((v) => v ?? "")
    .pipe(singleLine(max))
    .transform((v) => (v === "" ? null : v));

/** An optional field that may span lines (the appeal's summary). */
export const optionalMultiline = (max: number) =>
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
  .refine((v) => v.length <= EMAIL_MAX_LENGTH && emailFormat.safeParse(v).success, { message: "form.invalidEmail" })
  .transform((v) => v.toLowerCase());

export const checkbox = z
  .string()
  .optional()
  .transform((v) => v === "on" || v === "1" || v === "true");

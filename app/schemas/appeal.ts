import { z } from "zod";
import { CONTENT_LANGUAGES, isContentLang } from "~/i18n/languages";
import { isSlug } from "~/utils/slug";
import { email, longText, optionalMultiline, optionalText, requiredText, checkbox } from "./common";

export const contentLang = z.enum(CONTENT_LANGUAGES, { message: "appeal.langUnsupported" });

export const slug = z
  .string({ message: "form.required" })
  .transform((v) => v.trim().toLowerCase())
  .refine(isSlug, { message: "appeal.slugInvalid" });

export const newAppealSchema = z.object({
  organizationId: z.coerce.number({ message: "form.invalid" }).int().positive({ message: "form.invalid" }),
  /** Empty: made from the title (app/utils/slug.ts; the page proposes it as the title is typed). */
  slug: z
    .string()
    .optional()
    .transform((v) => (v ?? "").trim())
    .pipe(z.union([z.literal(""), slug]))
    .transform((v) => v || null),
  originalLanguage: contentLang,
  title: requiredText(300),
  /** The minimal-data preset (issue 14 point 2). */
  minimalData: checkbox,
});

export const versionSchema = z.object({
  title: text300(),
  summary: optionalMultiline(600).transform((v) => v ?? ""),
  body: longText(100_000),
  baseRevision: z.coerce.number().int().min(0).optional(),
});
function text300() {
  return optionalText(300).transform((v) => v ?? "");
}

export const addLanguageSchema = z.object({ lang: contentLang });

// Not a union with `email`: a union's failure has no message of its own ("form.invalid").
const optionalEmail = z
  .string()
  .optional()
  .transform((v) => (v ?? "").trim())
  .refine((v) => v === "" || email.safeParse(v).success, { message: "form.invalidEmail" })
  .transform((v) => (v === "" ? null : v.toLowerCase()));

/**
 * Addressee fields come as name.<lang>, position.<lang>, institution.<lang> for each version's
 * language, and letterLanguage: which version's letter they receive (absent: the original's).
 */
export function addresseeSchema(languages: string[], original: string) {
  const shape: Record<string, z.ZodType> = {
    email: optionalEmail,
    letterLanguage: z
      .string()
      .optional()
      .transform((v) => v ?? original)
      .refine((v) => languages.includes(v), { message: "letters.unknownLang" }),
  };
  for (const lang of languages) {
    shape[`name.${lang}`] = lang === original ? requiredText(200) : optionalText(200).transform((v) => v ?? "");
    shape[`position.${lang}`] = optionalText(200).transform((v) => v ?? "");
    shape[`institution.${lang}`] = optionalText(200).transform((v) => v ?? "");
  }
  return z.object(shape);
}

const fieldMode = z.enum(["off", "optional", "required"], { message: "form.invalid" });

export const settingsSchema = z.object({
  goal: z
    .string()
    .optional()
    .transform((v) => (v ?? "").trim())
    .refine((v) => v === "" || (/^\d{1,9}$/.test(v) && Number(v) > 0), { message: "dash.goalInvalid" })
    .transform((v) => (v === "" ? null : Number(v))),
  closesAt: z
    .string()
    .optional()
    .transform((v) => (v ?? "").trim())
    .refine((v) => v === "" || !Number.isNaN(Date.parse(`${v}T23:59:59Z`)), { message: "dash.dateInvalid" })
    .transform((v) => (v === "" ? null : new Date(`${v}T23:59:59Z`))),
  field_city: fieldMode,
  field_country: fieldMode,
  field_organization: fieldMode,
  field_position: fieldMode,
  showPublicList: checkbox,
  minimalData: checkbox,
});

export const publishSchema = z.object({
  changeNote: optionalText(500).transform((v) => v ?? ""),
  baseRevision: z.coerce.number().int().min(0).optional(),
  /**
   * The ticked confirmation that stale translations may be published as they are: the languages
   * it listed, comma-separated (the service refuses when a stale one is not among them).
   */
  confirmStale: z
    .string()
    .max(400)
    .optional()
    .transform((v) => (v ?? "").split(",").filter(isContentLang)),
});

/** The organization's contact address for replies to its delivery e-mails. */
export const contactSchema = z.object({ contactEmail: email });

export const inviteSchema = z.object({
  email,
  role: z.enum(["owner", "editor"], { message: "form.invalid" }),
});

export const attachmentFieldsSchema = z.object({ lang: contentLang });

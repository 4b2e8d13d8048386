import { z } from "zod";
import { isCountryCode } from "~/data/countries";
import type { FieldMode } from "../../db/schema";
import { email, optionalText, requiredText, checkbox } from "./common";
import { SIGN_LIMITS } from "./limits";

/** The sign form's length limits: checked below, shown by the form's maxLength attributes. */
export { SIGN_LIMITS };

export type SignerFields = { city: FieldMode; country: FieldMode; organization: FieldMode; position: FieldMode };

function byMode(mode: FieldMode, max: number) {
  if (mode === "required") return requiredText(max);
  return optionalText(max).transform((v) => (mode === "off" ? null : v));
}

const country = (mode: FieldMode) =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? "").trim().toUpperCase())
    .refine((v) => mode !== "required" || v !== "", { message: "form.required" })
    .refine((v) => v === "" || isCountryCode(v), { message: "form.invalid" })
    .transform((v) => (v === "" || mode === "off" ? null : v));

const schemas = new Map<string, ReturnType<typeof buildSignSchema>>();

/** The sign form, shaped by which fields the appeal asks for (built once per shape). */
export function signSchema(fields: SignerFields) {
  const key = `${fields.city}|${fields.country}|${fields.organization}|${fields.position}`;
  let schema = schemas.get(key);
  if (!schema) schemas.set(key, (schema = buildSignSchema(fields)));
  return schema;
}

function buildSignSchema(fields: SignerFields) {
  return z.object({
    name: requiredText(SIGN_LIMITS.name),
    email,
    city: byMode(fields.city, SIGN_LIMITS.city),
    country: country(fields.country),
    organization: byMode(fields.organization, SIGN_LIMITS.organization),
    position: byMode(fields.position, SIGN_LIMITS.position),
    disclosure: z.enum(["public", "initials", "private"], { message: "sign.chooseDisclosure" }),
    keepInformed: checkbox,
    consent: z.string({ message: "sign.consentRequired" }).refine((v) => v === "on" || v === "1" || v === "true", { message: "sign.consentRequired" }),
    // Abuse checks (looked at by the service, never shown): honeypot and time-to-fill stamp.
    website: z.string().optional(),
    stamp: z.string().optional(),
  });
}

export type SignInput = z.output<ReturnType<typeof buildSignSchema>>;

import { z } from "zod";
import { isCountryCode } from "~/data/countries";
import type { FieldMode } from "../../db/schema";
import { email, optionalText, requiredText, checkbox } from "./common";

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
    name: requiredText(200),
    email,
    city: byMode(fields.city, 120),
    country: country(fields.country),
    organization: byMode(fields.organization, 200),
    position: byMode(fields.position, 200),
    disclosure: z.enum(["public", "initials", "private"], { message: "sign.chooseDisclosure" }),
    keepInformed: checkbox,
    consent: z
      .string({ message: "sign.consentRequired" })
      .refine((v) => v === "on" || v === "1" || v === "true", { message: "sign.consentRequired" }),
    // Abuse checks (looked at by the service, never shown): honeypot and time-to-fill stamp.
    website: z.string().optional(),
    stamp: z.string().optional(),
  });
}

export type SignInput = z.output<ReturnType<typeof buildSignSchema>>;

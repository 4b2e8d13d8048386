import type { z } from "zod";

export type FieldErrors = Record<string, string>;

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

/** The submitted text fields, to give the form back exactly as typed. */
export function formValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value === "string" && !key.startsWith("_")) values[key] = value.slice(0, 100_000);
  }
  return values;
}

/** A form's text fields as its zod schema sees them: a name sent twice gives an array. */
export type RawFields = Record<string, string | string[]>;

/** The text fields of a form (FormData, or URLSearchParams of a body read elsewhere). */
export function formFields(entries: Iterable<[string, FormDataEntryValue]>): RawFields {
  const raw: RawFields = {};
  for (const [key, value] of entries) {
    if (typeof value !== "string") continue;
    const existing = raw[key];
    if (existing === undefined) raw[key] = value;
    else raw[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return raw;
}

/**
 * Validates a form with its zod schema. Errors are keyed by field; their messages are
 * i18n keys (optionally `key:arg`), translated by the component.
 */
export function parseForm<S extends z.ZodType>(schema: S, formData: FormData): FormResult<z.output<S>> {
  const result = parseFields(schema, formFields(formData));
  return result.ok ? result : { ...result, values: formValues(formData) };
}

/** parseForm for fields already collected (formFields). */
export function parseFields<S extends z.ZodType>(schema: S, raw: RawFields): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length ? String(issue.path[0]) : "_form";
    errors[field] ??= issue.message.startsWith("form.") || issue.message.includes(".") ? issue.message : "form.invalid";
  }
  return { ok: false, errors };
}

/**
 * A record id from a form field or a URL segment: a positive whole number, else 0, which
 * matches no row (so the service answers "not found"). `Number()` alone lets NaN, 1e30 or
 * -1 through to SQL, where they are errors (500s) instead of a 404.
 */
export function idOf(value: FormDataEntryValue | string | null | undefined): number {
  if (typeof value !== "string" || !/^\d{1,15}$/.test(value)) return 0;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

import type { UiLang } from "../i18n";
import { signSchema } from "../schemas/sign";
import { AppError } from "../utils/errors";
import { stampExpired } from "./abuse.server";
import { cachedPublicAppeal } from "./public-appeal.server";
import { sign } from "./signing.server";

export type SignFormOutcome = "signed" | "invalid" | "closed" | "not_found" | "stale";

/**
 * The sign form's happy path, without rendering: validate and sign. Used by the HTTP fast path
 * (server/fast-paths.ts), which answers "signed" with the redirect and hands everything else to
 * the Remix route to render the page with its messages.
 */
export async function trySign(slug: string, fields: Record<string, string>, ctx: { lang: UiLang; requested?: string; ip: string }): Promise<SignFormOutcome> {
  const view = await cachedPublicAppeal(slug, ctx.requested, ctx.lang);
  if (!view) return "not_found";
  if (!view.acceptsSignatures) return "closed";
  // A stamp older than FORM_STAMP_MAX_AGE_S: the route shows the form again with a fresh one.
  if (stampExpired(fields.stamp)) return "stale";
  const parsed = signSchema(view.fields).safeParse(fields);
  if (!parsed.success) return "invalid";
  try {
    await sign(slug, parsed.data, { lang: ctx.lang, ip: ctx.ip });
  } catch (error) {
    if (error instanceof AppError) return error.code === "closed" ? "closed" : "not_found";
    throw error;
  }
  return "signed";
}

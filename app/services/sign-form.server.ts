import type { Negotiated } from "../i18n/negotiate";
import { signSchema } from "../schemas/sign";
import { AppError } from "../utils/errors";
import { parseFields, type FieldErrors, type RawFields } from "../utils/forms";
import { stampExpired } from "./abuse.server";
import { confirmedRedirect } from "./confirmed-flash.server";
import { cachedPublicAppeal } from "./public-appeal.server";
import { confirmSignature, sign, type TokenView } from "./signing.server";

/*
 * The one home of signing and confirming as the web sees them. Two entries call these: the fast
 * path (server/fast-paths.ts), which answers a plain form POST that succeeds without React, and
 * the Remix actions (app/routes/appeals.$slug/route.tsx, app/routes/s.confirm.$token.tsx), which
 * answer everything else and render the failures. A rule added here holds for both; a rule added
 * to only one entry would hold only for some requests (tests/integration/sign-entries.test.ts).
 */

export type SignOutcome =
  | { outcome: "signed"; location: string }
  | { outcome: "invalid"; errors: FieldErrors }
  /** The form's stamp is older than FORM_STAMP_MAX_AGE_S: shown again with a fresh one. */
  | { outcome: "stale" }
  | { outcome: "closed" }
  | { outcome: "not_found" };

export interface SignRequest {
  /** The request's language (negotiateLanguage): the page's, the e-mail's and the stored one. */
  language: Negotiated;
  ip: string;
}

/**
 * The sign form submitted: the appeal must exist and accept signatures, the stamp be fresh and
 * the fields valid (the form's zod schema); then `sign` stores the signature and queues its
 * e-mail, or quietly refuses it (honeypot, too fast, abuse limits). "signed" whatever `sign` did,
 * so nothing can be enumerated; its `location` is where the browser goes next.
 */
export async function submitSignature(slug: string, fields: RawFields, ctx: SignRequest): Promise<SignOutcome> {
  const { lang, requested } = ctx.language;
  const view = await cachedPublicAppeal(slug, requested, lang);
  if (!view) return { outcome: "not_found" };
  if (!view.acceptsSignatures) return { outcome: "closed" };
  if (stampExpired(typeof fields.stamp === "string" ? fields.stamp : null)) return { outcome: "stale" };
  const parsed = parseFields(signSchema(view.fields), fields);
  if (!parsed.ok) return { outcome: "invalid", errors: parsed.errors };
  try {
    await sign(slug, parsed.data, { lang, ip: ctx.ip });
  } catch (error) {
    if (error instanceof AppError && (error.code === "closed" || error.code === "not_found")) return { outcome: error.code };
    throw error;
  }
  return { outcome: "signed", location: `/appeals/${slug}/sent` };
}

export type ConfirmOutcome =
  /** Confirmed now: go to `location` with `cookie`, which lets the thanks page say so. */
  | { outcome: "confirmed"; location: string; cookie: string }
  /** Not confirmed now (already, expired, invalid, closed): the link page explains `view`. */
  | { outcome: "not_confirmed"; view: TokenView };

/** The confirmation link's button pressed: confirms a pending signature once. */
export async function submitConfirmation(token: string): Promise<ConfirmOutcome> {
  const view = await confirmSignature(token);
  if (view.state === "valid" && view.slug) return { outcome: "confirmed", ...confirmedRedirect(view.slug, Date.now(), view.receiptToken) };
  return { outcome: "not_confirmed", view };
}

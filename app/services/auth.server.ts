import { sql } from "kysely";
import { getDb } from "../../db/client";
import { enqueueMail } from "../../db/queries/outbox";
import { findUserByEmail } from "../../db/queries/organizations";
import { loginEmail } from "../../emails/organizer";
import type { UiLang } from "../i18n";
import { env } from "../utils/env.server";
import { loginAllowance, type LoginAllowance } from "./abuse.server";
import { hashesMatch, hashToken, isWellFormedToken, newToken } from "../utils/tokens.server";
import { safeNext } from "./session.server";

export const LOGIN_TOKEN_MINUTES = 15;

/**
 * Sends a one-time sign-in link if the address belongs to an organizer, within the sign-in
 * limits per client and per address (app/services/abuse.server.ts, loginAllowance). The
 * caller answers the same way either way, so the form does not reveal who is an organizer:
 * the limits count every address alike, and the outcome says only which limit, if any, held.
 */
export async function requestLoginLink(email: string, lang: UiLang, next = "/dashboard", clientIp = ""): Promise<LoginAllowance> {
  const allowance = await loginAllowance(email, clientIp);
  if (!allowance.ok) return allowance;
  const db = getDb();
  const user = await findUserByEmail(db, email);
  if (!user) return allowance;
  const { token, hash } = newToken();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("login_tokens")
      .values({ user_id: user.id, token_hash: hash, expires_at: sql<Date>`now() + make_interval(mins => ${LOGIN_TOKEN_MINUTES})` })
      .execute();
    // Where the organizer was going when asked to sign in (a same-site path only).
    const destination = safeNext(next);
    const query = destination === "/dashboard" ? "" : `?next=${encodeURIComponent(destination)}`;
    const content = loginEmail(lang, `${env().APP_URL}/login/t/${token}${query}`);
    await enqueueMail(trx, { kind: "login", to: user.email, ...content });
  });
  return allowance;
}

export type LoginCheck = "valid" | "invalid" | "expired" | "used";

async function findToken(token: string) {
  if (!isWellFormedToken(token)) return null;
  const hash = hashToken(token);
  const row = await getDb()
    .selectFrom("login_tokens as t")
    .innerJoin("users as u", "u.id", "t.user_id")
    .select(["t.id", "t.token_hash", "t.used_at", "t.user_id", "u.session_version", sql<boolean>`t.expires_at < now()`.as("expired")])
    .where("t.token_hash", "=", hash)
    .executeTakeFirst();
  if (!row || !hashesMatch(row.token_hash, hash)) return null;
  return row;
}

/** What the link page shows before the button is pressed (nothing is consumed). */
export async function checkLoginToken(token: string): Promise<LoginCheck> {
  const row = await findToken(token);
  if (!row) return "invalid";
  if (row.used_at) return "used";
  if (row.expired) return "expired";
  return "valid";
}

/** Consumes the token (once) and returns the user to sign in, or why not. */
export async function consumeLoginToken(
  token: string,
): Promise<{ ok: true; userId: number; sessionVersion: number } | { ok: false; reason: Exclude<LoginCheck, "valid"> }> {
  const row = await findToken(token);
  if (!row) return { ok: false, reason: "invalid" };
  if (row.expired) return { ok: false, reason: "expired" };
  const used = await getDb()
    .updateTable("login_tokens")
    .set({ used_at: sql`now()` })
    .where("id", "=", row.id)
    .where("used_at", "is", null)
    .where(sql<boolean>`expires_at >= now()`)
    .returning("id")
    .executeTakeFirst();
  if (!used) return { ok: false, reason: "used" };
  return { ok: true, userId: row.user_id, sessionVersion: row.session_version };
}

export async function purgeLoginTokens(): Promise<void> {
  await getDb()
    .deleteFrom("login_tokens")
    .where(sql<boolean>`expires_at < now() - interval '1 day'`)
    .execute();
}

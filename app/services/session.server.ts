import { createCookie, redirect } from "@remix-run/node";
import { sql } from "kysely";
import { getDb } from "../../db/client";
import { env } from "../utils/env.server";
import { hashesMatch, hashToken, isWellFormedToken, newToken } from "../utils/tokens.server";
import { open } from "./data-key.server";

/*
 * Server-side sessions. The cookie carries a random 256-bit session id (signed, httpOnly,
 * SameSite=Lax, Secure in production); the `sessions` table keeps only its SHA-256, so a copy
 * of the database holds no id that opens a session. Signing out deletes the row: a copied
 * cookie stops working at once. A session ends after SESSION_IDLE_DAYS without a request, and
 * SESSION_MAX_DAYS after sign-in whatever happens.
 */
export const SESSION_IDLE_DAYS = 7;
export const SESSION_MAX_DAYS = 30;
/** last_seen_at is written at most this often per session (not on every request). */
const TOUCH_AFTER_MINUTES = 5;

let cookie: ReturnType<typeof createCookie> | undefined;

function sessionCookie() {
  const config = env();
  cookie ??= createCookie("__session", {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: config.NODE_ENV === "production",
    secrets: [config.SESSION_SECRET],
    maxAge: 60 * 60 * 24 * SESSION_MAX_DAYS,
  });
  return cookie;
}

/** The session id the request's cookie carries (well-formed and correctly signed), or null. */
async function presentedId(request: Request): Promise<string | null> {
  try {
    const value: unknown = await sessionCookie().parse(request.headers.get("Cookie"));
    return typeof value === "string" && isWellFormedToken(value) ? value : null;
  } catch {
    return null;
  }
}

export interface CurrentUser {
  id: number;
  email: string;
  name: string | null;
}

/** The signed-in organizer, or null. A tampered, foreign, ended or expired session is no session. */
export async function currentUser(request: Request): Promise<CurrentUser | null> {
  const id = await presentedId(request);
  if (!id) return null;
  const hash = hashToken(id);
  const db = getDb();
  const row = await db
    .selectFrom("sessions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .select(["s.id_hash", "u.id", "u.email", "u.name", sql<boolean>`s.last_seen_at < now() - make_interval(mins => ${TOUCH_AFTER_MINUTES})`.as("stale")])
    .where("s.id_hash", "=", hash)
    .where(sql<boolean>`s.expires_at > now()`)
    .where(sql<boolean>`s.last_seen_at > now() - make_interval(days => ${SESSION_IDLE_DAYS})`)
    .executeTakeFirst();
  if (!row || !hashesMatch(row.id_hash, hash)) return null;
  if (row.stale)
    await db
      .updateTable("sessions")
      .set({ last_seen_at: sql`now()` })
      .where("id_hash", "=", hash)
      .execute();
  return { id: row.id, email: open(row.email, "email"), name: row.name };
}

export async function requireUser(request: Request): Promise<CurrentUser> {
  const user = await currentUser(request);
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/login?next=${encodeURIComponent(url.pathname)}`);
  }
  return user;
}

/** A new session of this user; returns the Set-Cookie header that carries its id. */
export async function createSession(userId: number): Promise<string> {
  const { token, hash } = newToken();
  const db = getDb();
  // The user's ended sessions go now; nobody else's rows are touched.
  await db
    .deleteFrom("sessions")
    .where("user_id", "=", userId)
    .where(sql<boolean>`expires_at <= now() OR last_seen_at <= now() - make_interval(days => ${SESSION_IDLE_DAYS})`)
    .execute();
  await db
    .insertInto("sessions")
    .values({ id_hash: hash, user_id: userId, expires_at: sql<Date>`now() + make_interval(days => ${SESSION_MAX_DAYS})` })
    .execute();
  return sessionCookie().serialize(token);
}

export async function startSession(userId: number, next: string) {
  return redirect(next, { headers: { "Set-Cookie": await createSession(userId) } });
}

/** Signs out this browser: its session row is deleted, then its cookie. */
export async function endSession(request: Request) {
  const id = await presentedId(request);
  if (id) await getDb().deleteFrom("sessions").where("id_hash", "=", hashToken(id)).execute();
  return redirect("/", { headers: { "Set-Cookie": await sessionCookie().serialize("", { maxAge: 0, expires: new Date(0) }) } });
}

/** "Sign out on all devices": every session of the user ends. */
export async function endAllSessions(userId: number): Promise<void> {
  await getDb().deleteFrom("sessions").where("user_id", "=", userId).execute();
}

/**
 * Only same-site relative paths are accepted as a post-login destination. Backslashes and
 * control characters are refused anywhere: browsers drop or turn them into "/" ("/\t/evil.example").
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || /[\u0000-\u001f\u007f\\]/.test(next)) return "/dashboard";
  return next;
}

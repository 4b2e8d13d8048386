import crypto from "node:crypto";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { getDb } from "../../db/client";
import { env } from "../utils/env.server";
import { hashToken, isWellFormedToken } from "../utils/tokens.server";
import { emailDomain } from "./email-key";

/**
 * Abuse checks without third-party CAPTCHAs: rate limits per IP and per address, a honeypot
 * field, a minimum time-to-fill, blocked/allowed e-mail domains. A tripped check is recorded
 * (kind only, no address) and the signer sees the same answer as everyone else.
 */
export type AbuseKind = "honeypot" | "too_fast" | "bad_stamp" | "ip_rate" | "address_rate" | "blocked_domain" | "not_allowed_domain";

const limiters = { ip: null as RateLimiterMemory | null, address: null as RateLimiterMemory | null, tokens: null as RateLimiterMemory | null };

function ipLimiter() {
  limiters.ip ??= new RateLimiterMemory({ points: env().SIGN_LIMIT_PER_IP, duration: 600 });
  return limiters.ip;
}
function addressLimiter() {
  limiters.address ??= new RateLimiterMemory({ points: env().SIGN_LIMIT_PER_ADDRESS, duration: 3600 });
  return limiters.address;
}

/** For tests: forget every counter (limits are per process and in memory). */
export function resetLimits() {
  limiters.ip = null;
  limiters.address = null;
  limiters.tokens = null;
}

/**
 * Guessing links: at most TOKEN_GUESSES_PER_IP links that do not exist (confirm, reject,
 * withdraw, unsubscribe, sign-in) per client IP in TOKEN_GUESS_WINDOW_S; past that, every link
 * page answers 429 to that IP until the window ends. Tokens are 256-bit, so this is not what
 * keeps them unguessable; it keeps a scanner from hammering the database and the log. A person
 * mistyping a link, or a household behind one address, stays far below it.
 */
export const TOKEN_GUESSES_PER_IP = 30;
export const TOKEN_GUESS_WINDOW_S = 15 * 60;

function tokenLimiter() {
  limiters.tokens ??= new RateLimiterMemory({ points: TOKEN_GUESSES_PER_IP, duration: TOKEN_GUESS_WINDOW_S });
  return limiters.tokens;
}

/** Seconds this client must wait before opening another link (0: it may). */
export async function tokenGuessWait(ipKey: string): Promise<number> {
  const state = await tokenLimiter().get(ipKey);
  if (!state || state.consumedPoints < TOKEN_GUESSES_PER_IP) return 0;
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}

/** Counts one link that did not exist against this client. */
export async function recordTokenGuess(ipKey: string): Promise<void> {
  await tokenLimiter()
    .consume(ipKey)
    .catch(() => undefined); // already over the limit: it stays blocked
}

export type TokenKind = "confirm" | "reject" | "withdraw" | "unsubscribe" | "login";

/**
 * Whether a token was ever issued (used or expired ones included: those are not guesses).
 * Looked up by its SHA-256, like every token lookup: the database never sees the token, and
 * how long the lookup takes says nothing about how close a guess was.
 */
export async function isIssuedToken(kind: TokenKind, token: string): Promise<boolean> {
  if (!isWellFormedToken(token)) return false;
  const hash = hashToken(token);
  const db = getDb();
  const row =
    kind === "login"
      ? await db.selectFrom("login_tokens").select("id").where("token_hash", "=", hash).executeTakeFirst()
      : await db.selectFrom("signature_tokens").select("signature_id").where("token_hash", "=", hash).where("purpose", "=", kind).executeTakeFirst();
  return row !== undefined;
}

/** A keyed hash of the client IP (the key rotates daily); the address itself is never stored. */
export function ipHash(ip: string): string {
  const day = new Date().toISOString().slice(0, 10);
  return crypto.createHmac("sha256", env().SESSION_SECRET).update(`${day}|${ip}`).digest("base64url").slice(0, 22);
}

/** A signed "form served at" stamp for the time-to-fill check. */
export function formStamp(now = Date.now()): string {
  const ts = String(now);
  const mac = crypto.createHmac("sha256", env().SESSION_SECRET).update(`stamp|${ts}`).digest("base64url").slice(0, 16);
  return `${ts}.${mac}`;
}

function stampAge(stamp: string | undefined, now: number): number | null {
  if (!stamp) return null;
  const [ts = "", mac = ""] = stamp.split(".");
  const expected = crypto.createHmac("sha256", env().SESSION_SECRET).update(`stamp|${ts}`).digest("base64url").slice(0, 16);
  if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return null;
  return (now - Number(ts)) / 1000;
}

function domainList(value: string) {
  return value
    .split(",")
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
}

/** Checks that happen before anything is written; returns what tripped, or null. */
export async function screenSubmission(input: { website?: string; stamp?: string; email: string; ipHash: string }, now = Date.now()): Promise<AbuseKind | null> {
  const config = env();
  if (input.website && input.website.trim() !== "") return "honeypot";
  const age = stampAge(input.stamp, now);
  if (age === null) return "bad_stamp";
  if (age < config.MIN_FILL_SECONDS) return "too_fast";
  const domain = emailDomain(input.email);
  const allowed = domainList(config.ALLOWED_EMAIL_DOMAINS);
  if (allowed.length && !allowed.includes(domain)) return "not_allowed_domain";
  if (domainList(config.BLOCKED_EMAIL_DOMAINS).includes(domain)) return "blocked_domain";
  try {
    await ipLimiter().consume(input.ipHash);
  } catch {
    return "ip_rate";
  }
  return null;
}

/** Limits e-mails to one address (resends, "already signed"); true when one may be sent. */
export async function mayMailAddress(key: string): Promise<boolean> {
  try {
    await addressLimiter().consume(crypto.createHash("sha256").update(key).digest("base64url"));
    return true;
  } catch {
    return false;
  }
}

export async function recordAbuse(kind: AbuseKind, appealId: number | null): Promise<void> {
  await getDb().insertInto("abuse_events").values({ kind, appeal_id: appealId }).execute();
}

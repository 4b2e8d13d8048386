import crypto from "node:crypto";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { getDb } from "../../db/client";
import { env } from "../utils/env.server";
import { emailDomain } from "./email-key";

/**
 * Abuse checks without third-party CAPTCHAs: rate limits per IP and per address, a honeypot
 * field, a minimum time-to-fill, blocked/allowed e-mail domains. A tripped check is recorded
 * (kind only, no address) and the signer sees the same answer as everyone else.
 */
export type AbuseKind = "honeypot" | "too_fast" | "bad_stamp" | "ip_rate" | "address_rate" | "blocked_domain" | "not_allowed_domain";

const limiters = { ip: null as RateLimiterMemory | null, address: null as RateLimiterMemory | null };

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

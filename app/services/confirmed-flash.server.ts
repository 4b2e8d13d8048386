import crypto from "node:crypto";
import { env } from "../utils/env.server";

/**
 * The thanks page may say "your signature is confirmed" only to the browser that has just
 * confirmed it. Confirming (the Remix action of /s/confirm/:token, and its fast path in
 * server/fast-paths.ts) redirects there with this short-lived signed cookie, scoped to that
 * appeal's thanks page; anyone else opening the URL gets a neutral page.
 */

const NAME = "confirmed";
const TTL_SECONDS = 600;

function mac(slug: string, expires: number): string {
  return crypto.createHmac("sha256", env().SESSION_SECRET).update(`confirmed|${slug}|${expires}`).digest("base64url").slice(0, 22);
}

/** Where a confirmation lands, and the cookie that lets its thanks page say so. */
export function confirmedRedirect(slug: string, now = Date.now(), receiptToken?: string): { location: string; cookie: string } {
  const expires = Math.floor(now / 1000) + TTL_SECONDS;
  const secure = env().APP_URL.startsWith("https:") ? "; Secure" : "";
  return {
    location: `/appeals/${slug}/thanks`,
    cookie: `${NAME}=${expires}.${mac(slug, expires)}${receiptToken ? `.${receiptToken}` : ""}; Path=/appeals/${slug}/thanks; Max-Age=${TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
  };
}

/**
 * The receipt token the confirmation put in this browser's cookie (a third part after the MAC),
 * if the cookie is still valid for `slug`. Only the confirming browser has it; it is checked, and
 * used up, against its hash in signature_tokens (app/services/receipts.server.ts).
 */
export function receiptTokenFrom(cookieHeader: string | null, slug: string, now = Date.now()): string | null {
  if (!justConfirmed(cookieHeader, slug, now)) return null;
  for (const part of (cookieHeader ?? "").split(";")) {
    const [name, value = ""] = part.trim().split("=");
    if (name !== NAME) continue;
    const token = value.split(".")[2];
    if (token && /^[A-Za-z0-9_-]{43}$/.test(token)) return token;
  }
  return null;
}

/** Whether this request comes from the browser that just confirmed a signature on `slug`. */
export function justConfirmed(cookieHeader: string | null, slug: string, now = Date.now()): boolean {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [name, value = ""] = part.trim().split("=");
    if (name !== NAME) continue;
    const [exp = "", sig = ""] = value.split(".");
    const expires = Number(exp);
    if (!Number.isInteger(expires) || expires * 1000 < now) continue;
    const expected = Buffer.from(mac(slug, expires));
    const given = Buffer.from(sig);
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return true;
  }
  return false;
}

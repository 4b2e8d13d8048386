import crypto from "node:crypto";
import { env } from "./env.server";

/**
 * A confirmed intent: what a confirmation page showed, signed, so the confirm button carries
 * exactly that and nothing else (no JavaScript needed: the first POST shows the page, the second
 * carries this). Bound to the user and the appeal, valid for a few minutes: a confirmation page
 * left open, or a form re-sent with the back button, does nothing once it has expired.
 *
 * The token is `<payload base64url>.<HMAC-SHA256 base64url>`, keyed with SESSION_SECRET under
 * its own label ("intent|"), so no other signed value of the app can pass for one.
 */

export const INTENT_TTL_SECONDS = 10 * 60;

export interface Intent {
  action: "deliver" | "resend" | "close" | "delete";
  appealId: number;
  userId: number;
  /** What was confirmed: for "deliver", [addresseeId, letterId] pairs; for "resend", [addresseeId, letterId, lastDeliveryId]. */
  data: number[][];
}

function mac(payload: string): string {
  return crypto.createHmac("sha256", env().SESSION_SECRET).update(`intent|${payload}`).digest("base64url");
}

export function signIntent(intent: Intent, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ ...intent, exp: Math.floor(now / 1000) + INTENT_TTL_SECONDS }), "utf8").toString("base64url");
  return `${payload}.${mac(payload)}`;
}

/** The intent a token carries, if it is genuine, unexpired and for this action, user and appeal; else null. */
export function readIntent(token: unknown, expected: Omit<Intent, "data">, now = Date.now()): Intent | null {
  if (typeof token !== "string" || token.length > 8192) return null;
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const want = Buffer.from(mac(payload));
  const got = Buffer.from(signature);
  if (want.length !== got.length || !crypto.timingSafeEqual(want, got)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const field = (name: string): unknown => Reflect.get(parsed, name);
  const exp = field("exp");
  const data = field("data");
  if (typeof exp !== "number" || exp * 1000 < now) return null;
  if (field("action") !== expected.action || field("appealId") !== expected.appealId || field("userId") !== expected.userId) return null;
  if (!Array.isArray(data) || !data.every((row): row is number[] => Array.isArray(row) && row.every((n) => Number.isSafeInteger(n)))) return null;
  return { ...expected, data };
}

import crypto from "node:crypto";
import { randomBytes } from "./random.server";

/** A random token (256 bits, URL-safe) and the SHA-256 hash that is all we store of it. */
export function newToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return crypto.createHash("sha256").update(token, "utf8").digest();
}

/** Tokens we issue are 43 base64url characters; anything else is rejected before any lookup. */
export function isWellFormedToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** Constant-time comparison of a stored hash with the hash of a presented token. */
export function hashesMatch(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && crypto.timingSafeEqual(stored, presented);
}

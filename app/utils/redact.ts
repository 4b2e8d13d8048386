/**
 * Log lines must never carry an e-mail address or a token. Paths are logged without their
 * query string, and any segment that looks like an address or a random token is masked.
 */
const EMAIL = /[^\s/@?&=]+@[^\s/@?&=]+/g;
const EMAIL_ENCODED = /[^\s/?&=]+%40[^\s/?&=]+/gi;
const TOKEN = /[A-Za-z0-9_-]{20,}/g;

export function redact(text: string): string {
  return text.replace(EMAIL, "[email]").replace(EMAIL_ENCODED, "[email]").replace(TOKEN, "[token]");
}

export function redactPath(url: string): string {
  const path = url.split(/[?#]/)[0] ?? "";
  return redact(path);
}

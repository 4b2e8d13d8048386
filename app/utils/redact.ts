/**
 * Log lines must never carry an e-mail address or a token. Paths are logged without their
 * query string, and any segment that looks like an address or a random token is masked — also
 * when it was written percent-encoded (`%41…`, `%2F`, `%40`, encoded twice), since the router
 * decodes what the log would otherwise print as it came. Error messages that may quote a URL
 * (Remix's "route … does not match URL …", a failed fetch) go through `redact` as well.
 */
const EMAIL = /[^\s/@?&=]+@[^\s/@?&=]+/g;
const EMAIL_ENCODED = /[^\s/?&=]+%40[^\s/?&=]+/gi;
// A token is 43 random base64url characters: a run of 32 or more such characters, or of 20 or
// more with a digit in it, is masked. Words and identifiers in slugs and stack traces
// ("getInternalRouterError", "an-open-letter-on-clean-air") stay readable.
const TOKEN = /(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}|[A-Za-z0-9_-]{32,}/g;
const PERCENT_RUN = /(?:%[0-9a-f]{2})+/gi;

/** Undoes percent-encoding (up to three layers); bytes that are not UTF-8 become Latin-1 characters. */
function decodePercents(text: string): string {
  let out = text;
  for (let i = 0; i < 3 && PERCENT_RUN.test(out); i++) {
    PERCENT_RUN.lastIndex = 0;
    out = out.replace(PERCENT_RUN, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      }
    });
  }
  PERCENT_RUN.lastIndex = 0;
  return out;
}

export function redact(text: string): string {
  const masked = (s: string) => s.replace(EMAIL, "[email]").replace(EMAIL_ENCODED, "[email]").replace(TOKEN, "[token]");
  return masked(decodePercents(masked(text)));
}

export function redactPath(url: string): string {
  const path = url.split(/[?#]/)[0] ?? "";
  return redact(path);
}

import type { HeadersFunction } from "@remix-run/node";

/**
 * Public reads (home, appeal pages, the JSON API) for anonymous readers and caches in front:
 * counts are a few seconds stale by design (README, "Public pages").
 */
export const PUBLIC_CACHE_CONTROL = "public, max-age=5, s-maxage=10, stale-while-revalidate=30";

/**
 * For public pages that set their own Cache-Control: keep the root's Vary (Accept-Language only
 * when the URL does not name the language) and Set-Cookie,
 * never let a response that sets a cookie be cached by shared caches, and keep the root's
 * `private, no-store` for a signed-in organizer (their header and links are theirs).
 */
export const publicPageHeaders: HeadersFunction = ({ loaderHeaders, parentHeaders, errorHeaders }) => {
  if (errorHeaders) return errorHeaders;
  const headers = new Headers(parentHeaders);
  const cache = loaderHeaders.get("Cache-Control");
  const signedIn = headers.get("Cache-Control")?.includes("no-store") ?? false;
  if (cache && !signedIn) headers.set("Cache-Control", headers.has("Set-Cookie") ? cache.replace("public", "private") : cache);
  return headers;
};

import type { HeadersFunction } from "@remix-run/node";

/**
 * For public pages that set their own Cache-Control: keep the root's Vary and Set-Cookie,
 * and never let a response that sets a cookie be cached by shared caches.
 */
export const publicPageHeaders: HeadersFunction = ({ loaderHeaders, parentHeaders, errorHeaders }) => {
  if (errorHeaders) return errorHeaders;
  const headers = new Headers(parentHeaders);
  const cache = loaderHeaders.get("Cache-Control");
  if (cache) headers.set("Cache-Control", headers.has("Set-Cookie") ? cache.replace("public", "private") : cache);
  headers.set("Vary", "Cookie, Accept-Language");
  return headers;
};

import type { NextFunction, Request, Response } from "express";
import { plainErrorPage, plainLang } from "./plain-error-page.js";

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * RFC 8058 one-click unsubscribe: mail providers POST `List-Unsubscribe=One-Click` to the link
 * from their own servers (or a webmail page on another site). The token in the URL is the whole
 * authority, no session is involved, and the effect (no more updates) is harmless to repeat.
 */
const ONE_CLICK_UNSUBSCRIBE = /^\/s\/unsubscribe\/[^/]+\/?$/;

export type CsrfVerdict = "ok" | "cross-site";

/**
 * Judges one state-changing request by what the browser says about where it comes from.
 *
 * - `Sec-Fetch-Site: cross-site` is refused. `same-site` (a sibling subdomain, which still gets
 *   our SameSite=Lax cookies) is refused unless its Origin is ours.
 * - An `Origin` header must be APP_URL's origin or the request's own origin (scheme + Host). The
 *   latter is safe: a browser sends Host for the site it talks to and Origin for the page that
 *   sent the form, so they are equal only for a same-origin form; a page elsewhere cannot forge
 *   either. It keeps tests on random ports and a second hostname of the same server working.
 * - `Origin: null` is what a browser sends from a page with `Referrer-Policy: no-referrer` (our
 *   token pages) — and from sandboxed frames and data: URLs elsewhere. It passes only with
 *   `Sec-Fetch-Site: same-origin`.
 * - A request with neither header passes: curl, mail providers' one-click POSTs, old browsers.
 *   No browser that supports SameSite cookies omits both on a cross-site form post, and the
 *   session cookie is SameSite=Lax, so such a request carries no session anyway: what it can do
 *   is what anyone can do without a browser (sign, ask for a sign-in link).
 */
export function judgeRequest(req: Request, appOrigin: string, alsoOurs: string[] = []): CsrfVerdict {
  const site = String(req.headers["sec-fetch-site"] ?? "").toLowerCase();
  const origin = req.headers.origin;
  const own = `${req.protocol}://${req.get("host") ?? ""}`;
  const ours = (value: string) => value === appOrigin || value === own || alsoOurs.includes(value);
  if (site === "cross-site") return "cross-site";
  if (site === "same-site" && (!origin || !ours(origin))) return "cross-site";
  if (origin !== undefined) {
    if (origin === "null") return site === "same-origin" ? "ok" : "cross-site";
    if (!ours(origin)) return "cross-site";
  }
  return "ok";
}

/**
 * Refuses cross-site state-changing requests with a 403 page in the reader's language, before
 * the fast paths and Remix see them. Mounted in server/http.ts.
 */
export function csrfGuard(options: { appUrl: string; onionUrl?: string }) {
  const appOrigin = new URL(options.appUrl).origin;
  // The onion service (ONION_URL) is ours too, whatever Host the proxy in front of it passes on.
  const alsoOurs = options.onionUrl ? [new URL(options.onionUrl).origin] : [];
  return (req: Request, res: Response, next: NextFunction) => {
    if (!STATE_CHANGING.has(req.method)) return next();
    if (!ONE_CLICK_UNSUBSCRIBE.test(req.path) && judgeRequest(req, appOrigin, alsoOurs) !== "ok") {
      res
        .status(403)
        .set("Cache-Control", "no-store")
        .type("html")
        .send(plainErrorPage(plainLang(req), "csrf"));
      return;
    }
    // Judged here, so Remix's own, stricter check (Origin's host must equal Host, "null"
    // included) must not run again: it answers a bare 500 for a no-referrer page's form, or for
    // every form behind a proxy that does not pass the public Host on.
    delete req.headers.origin;
    next();
  };
}

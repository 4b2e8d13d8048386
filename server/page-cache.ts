import type { NextFunction, Request, Response } from "express";
import { negotiateLanguage } from "../app/i18n/negotiate.js";

const NONCE_PLACEHOLDER = "__APPEALS_CSP_NONCE__";
const PRIVATE_CACHE_CONTROL = "private, no-store";

interface Entry {
  at: number;
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * A micro-cache for anonymous public pages (home, appeal pages): the same HTML is served for
 * `ttlMs` instead of rendering it again, which is what keeps a page fast while thousands sign.
 * Counts are already a few seconds stale by design, so this adds no visible staleness. Each hit
 * still gets its own CSP nonce (the cached HTML holds a placeholder). Signed-in organizers,
 * POSTs and anything with a cookie other than the language are never cached.
 *
 * An answer to anything but GET or HEAD — a form shown again with what was typed (a name, an
 * address), a "sent" page — is nobody else's: it is marked `private, no-store` as it goes out,
 * whatever the route set (a route's headers inherit its loader's public Cache-Control), so
 * neither this cache nor a shared one in front keeps it.
 */
export function pageCache(options: { ttlMs: number; staleMs?: number; maxEntries?: number; path: RegExp }) {
  const entries = new Map<string, Entry>();
  const max = options.maxEntries ?? 1000;
  const staleMs = options.staleMs ?? options.ttlMs * 3;
  const refreshing = new Set<string>();
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
      res.writeHead = ((...args: unknown[]) => {
        res.setHeader("Cache-Control", PRIVATE_CACHE_CONTROL);
        return writeHead(...args);
      }) as Response["writeHead"];
      return next();
    }
    if (req.method !== "GET" || !options.path.test(req.path)) return next();
    const cookies = req.headers.cookie ?? "";
    if (cookies.split(";").some((c) => c.trim() && !c.trim().startsWith("lang="))) return next();
    const url = new URL(req.originalUrl, "http://x");
    if ([...url.searchParams.keys()].some((k) => k !== "lang" && k !== "page")) return next();
    const { lang } = negotiateLanguage(url, req.headers.cookie ?? null, req.headers["accept-language"] ?? null);
    const key = `${lang}|${req.originalUrl}`;
    const nonce = String(res.locals.cspNonce ?? "");
    const hit = entries.get(key);
    const age = hit ? Date.now() - hit.at : Infinity;
    // Fresh: serve it. Expired but one request is already rendering the next copy: serve the
    // old one meanwhile (for at most `staleMs`), so that a busy page is rendered by one request
    // at a time instead of by every request that arrives during the render.
    if (hit && (age < options.ttlMs || (refreshing.has(key) && age < staleMs))) {
      res.status(hit.status);
      for (const [name, value] of hit.headers) res.setHeader(name, value);
      res.setHeader("X-Page-Cache", "hit");
      res.send(nonce ? hit.body.split(NONCE_PLACEHOLDER).join(nonce) : hit.body);
      return;
    }
    // Miss: let Remix render, and keep a copy of the HTML as it goes out.
    refreshing.add(key);
    res.once("close", () => refreshing.delete(key));
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (typeof chunk === "string") chunks.push(Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8"));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response["write"];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk !== undefined && typeof chunk !== "function") keep(chunk, rest[0]);
      const type = String(res.getHeader("content-type") ?? "");
      if (res.statusCode === 200 && type.startsWith("text/html") && !res.getHeader("set-cookie") && nonce) {
        if (entries.size >= max) entries.clear();
        const headers: Array<[string, string]> = [];
        for (const name of ["content-type", "cache-control", "vary"]) {
          const value = res.getHeader(name);
          if (value !== undefined) headers.push([name, String(value)]);
        }
        entries.set(key, { at: Date.now(), status: 200, headers, body: Buffer.concat(chunks).toString("utf8").split(nonce).join(NONCE_PLACEHOLDER) });
      }
      return end(chunk, ...rest);
    }) as Response["end"];
    next();
  };
}

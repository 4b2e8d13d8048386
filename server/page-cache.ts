import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";
import type { NextFunction, Request, Response } from "express";
import { negotiateLanguage, type Negotiated } from "../app/i18n/negotiate.js";

const PRIVATE_CACHE_CONTROL = "private, no-store";
const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/**
 * Marks every answer to anything but GET or HEAD — a form shown again with what was typed (a
 * name, an address), a "sent" page, a redirect — `private, no-store` as it goes out, whatever
 * the route set (a route's headers inherit its loader's public Cache-Control), so neither the
 * page cache nor a shared one in front keeps it.
 *
 * Installed once, on the prototype the app's responses share (express's `app.response`), not
 * as a wrapper assigned to each response: on Node 20 and 22, a new closure stored on every POST's
 * response kept that request's whole object graph alive through V8's young-generation
 * collections (promoted, and freed only by the next full collection), which made every
 * scavenge several times longer while signing — and a scavenge pauses every page being sent
 * (bench:pages, issue 16; server/young-generation.test.ts).
 */
export function privateUnlessRead(response: Pick<ServerResponse, "writeHead">): void {
  const writeHead = Object.getPrototypeOf(response).writeHead as ServerResponse["writeHead"];
  response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const method = this.req?.method;
    if (method !== "GET" && method !== "HEAD") this.setHeader("Cache-Control", PRIVATE_CACHE_CONTROL);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
}

/** The encodings a cached page is kept in, the client's preferred one sent. */
type Encoding = "br" | "gzip" | "identity";

interface Entry {
  /** When the copy was last known to be current: rendered, or its version checked unchanged. */
  at: number;
  renderedAt: number;
  /** What it shows, by `version` when rendered (null: unknown, so it expires by age alone). */
  version: string | null;
  /** Headers of the page as Remix answered it (content-type, cache-control, vary), and its CSP's script sources. */
  headers: Array<[string, string]>;
  scriptSources: string;
  etag: string;
  bodies: Record<Encoding, Buffer>;
}

export interface PageCacheOptions {
  ttlMs: number;
  staleMs?: number;
  /**
   * A fingerprint of what the page at an address shows (its data, not its markup), or null when
   * unknown. With it, a copy past `ttlMs` is checked instead of rendered again: unchanged, it is
   * kept another `ttlMs`; changed, the page is rendered as without it.
   */
  version?: (url: URL, language: Negotiated) => Promise<string | null>;
  /** A copy kept by its version is rendered again anyway once this old (default 60 s). */
  maxAgeMs?: number;
  maxEntries?: number;
  /** The most requests that wait for one page's render (default 1000); more are rendered for themselves. */
  maxWaiting?: number;
  path: RegExp;
  /**
   * Sets the security headers of an answer (server/http.ts): given the CSP's script sources —
   * `'nonce-…'` for a page rendered for this request, the hashes of a cached page's inline
   * scripts for a copy.
   */
  securityHeaders: (req: IncomingMessage, res: ServerResponse, scriptSources: string) => void;
}

export interface PageCache {
  /**
   * Answers a fresh copy, as stored bytes, if there is one (true); else leaves the request alone.
   * Plain node:http: the server calls it ahead of express (server/http.ts, the fast lane). With
   * `version` and a copy to check, it takes the request (true) and, if the page changed, hands
   * it to `render` once the check is done.
   */
  answer: (req: IncomingMessage, res: ServerResponse, render?: () => void) => boolean;
  /** The same as an express middleware, first in the chain. */
  hits: (req: Request, res: Response, next: NextFunction) => void;
  /** Where pages are rendered: keeps a copy of what goes out. */
  store: (req: Request, res: Response, next: NextFunction) => void;
}

/**
 * A micro-cache for anonymous public pages (home, appeal pages): the same HTML is served for
 * `ttlMs` instead of rendering it again, which is what keeps a page fast while thousands sign.
 * Counts are already a few seconds stale by design, so this adds no visible staleness. Signed-in
 * organizers, POSTs and anything with a cookie other than the language are never cached.
 *
 * A copy is bytes ready to send: kept gzip- and brotli-compressed (once per render, not per
 * hit), and with a Content-Security-Policy that allows its inline scripts by their SHA-256
 * hashes rather than by a per-request nonce — a nonce would change the bytes of every answer
 * (and a nonce served from a cache to everyone would be no nonce at all). So a page that may be
 * cached is rendered without a nonce, and its answer carries the hashes of its inline scripts
 * (Remix's context and module loader, the scroll restoration), computed from what was rendered.
 * A hit is answered by `hits`, ahead of compression and the routers, with the stored headers,
 * the security headers and the bytes; `If-None-Match` with its ETag gets a 304.
 *
 * With `version`, a copy is kept for as long as what it shows is unchanged (at most `maxAgeMs`):
 * rendering a page costs the thread that answers every request several milliseconds, during
 * which every request waits (bench:pages, issue 16), while asking whether its data changed costs
 * a look-up. The one request that finds the copy expired waits for that answer; the others
 * meanwhile get the copy, as during a render.
 *
 * One request at a time refreshes a page: it is marked as soon as it finds the copy expired, not
 * when its render begins (the middleware in between takes a while, and under 10,000 requests a
 * second every request arriving meanwhile used to render the page too). When there is no copy,
 * or only one too old to serve (`staleMs`), the others wait for the copy that request makes —
 * a rush on a page nobody asked for in a while is one render, not one per request.
 *
 * An answer to anything but GET or HEAD is never stored here, and goes out `private, no-store`
 * (privateUnlessRead, above).
 */
export function pageCache(options: PageCacheOptions): PageCache {
  const entries = new Map<string, Entry>();
  const max = options.maxEntries ?? 1000;
  const maxWaiting = options.maxWaiting ?? 1000;
  // While one request renders the next copy, the others get the previous one for this long (the
  // Cache-Control's stale-while-revalidate): a render slowed by a rush must not send the rush to render too.
  const staleMs = options.staleMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  // The request checking or rendering each page's next copy (one at a time), and the requests
  // waiting for that copy because theirs is too old to be served meanwhile, or there is none.
  const refreshing = new Map<string, ServerResponse>();
  const waiting = new Map<string, Array<{ req: IncomingMessage; res: ServerResponse; render: () => void }>>();
  // Responses whose rendered page is being compressed and stored (their close does not end the refresh).
  const storing = new WeakSet<ServerResponse>();
  // Requests a check found changed and handed on to be rendered, with the version it found.
  const passedOn = new WeakMap<IncomingMessage, string | null>();
  // Requests that waited for a render that gave no copy: rendered for themselves, not made to wait again.
  const released = new WeakSet<IncomingMessage>();

  /** This request checks or renders the page's next copy; the others get the copy meanwhile, or wait. */
  const begin = (key: string, res: ServerResponse) => {
    refreshing.set(key, res);
    res.once("close", () => storing.has(res) || finish(key, res, null));
  };
  /**
   * The refresh by `res` is over: the waiting requests get its copy, or, if it gave none (an
   * error page, a client gone before the end), are rendered each for itself, as without waiting.
   */
  const finish = (key: string, res: ServerResponse, copy: Entry | null) => {
    if (refreshing.get(key) !== res) return;
    refreshing.delete(key);
    const queue = waiting.get(key);
    if (!queue) return;
    waiting.delete(key);
    for (const waiter of queue) {
      if (waiter.res.destroyed) continue;
      if (copy) send(waiter.req, waiter.res, copy);
      else {
        released.add(waiter.req);
        waiter.render();
      }
    }
  };

  /** The cache key of a request that may be served from or stored in the cache (and its address and language), or null. */
  const pageOf = (req: IncomingMessage): { key: string; url: URL; language: Negotiated } | null => {
    // The address as asked (express's originalUrl; the same as req.url where these run, at the root).
    const asked = (req as Partial<Request>).originalUrl ?? req.url ?? "/";
    if (req.method !== "GET" || !options.path.test(asked.split("?", 1)[0]!)) return null;
    const cookies = req.headers.cookie ?? "";
    if (cookies && cookies.split(";").some((c) => c.trim() && !c.trim().startsWith("lang="))) return null;
    const url = new URL(asked, "http://x");
    if ([...url.searchParams.keys()].some((k) => k !== "lang" && k !== "page")) return null;
    const language = negotiateLanguage(url, req.headers.cookie ?? null, req.headers["accept-language"] ?? null);
    return { key: `${language.lang}|${url.pathname}${url.search}`, url, language };
  };

  /** What `version` says of a page now (null if it cannot say, or fails). */
  const versionOf = (page: { url: URL; language: Negotiated }): Promise<string | null> =>
    options.version ? options.version(page.url, page.language).catch(() => null) : Promise.resolve(null);

  const answer = (req: IncomingMessage, res: ServerResponse, render?: () => void): boolean => {
    // Found changed and handed on to be rendered, or rendered after waiting in vain: not answered
    // again on its way (express's `hits`).
    if (passedOn.has(req) || released.has(req)) return false;
    const page = pageOf(req);
    if (page === null) return false;
    const { key } = page;
    const hit = entries.get(key);
    const owner = refreshing.get(key);
    // This request is the one refreshing the page (it came through the fast lane first): on to render.
    if (owner === res) return false;
    const now = Date.now();
    const age = hit ? now - hit.at : Infinity;
    // Fresh: serve it. Expired but one request is already rendering the next copy (or checking
    // it): serve the old one meanwhile (for at most `staleMs`), so that a busy page is rendered by
    // one request at a time instead of by every request that arrives during the render.
    if (hit && (age < options.ttlMs || (owner && age < staleMs))) return send(req, res, hit);
    if (!render) return false;
    // No copy, or one too old to serve, while another request renders the page: wait for its copy
    // rather than render the same page again (a rush on a page nobody asked for in a while).
    if (owner) {
      const queue = waiting.get(key) ?? [];
      if (queue.length >= maxWaiting) return false;
      queue.push({ req, res, render });
      waiting.set(key, queue);
      return true;
    }
    // This request refreshes the copy, marked at once: the middleware between here and the render
    // (express's, static files' look-ups) takes a while, and every request arriving meanwhile would
    // otherwise render the page too (30 renders of one page at once under 10,000 requests/s, a
    // 200 ms stall: bench:pages, issue 16).
    begin(key, res);
    // Expired, and its version known: is it still what the page shows? This request waits for
    // the answer; then gets the copy, kept another ttlMs, or the page rendered again.
    if (!hit || hit.version === null || now - hit.renderedAt >= maxAgeMs) return false;
    void versionOf(page).then((version) => {
      if (version !== null && version === hit.version && entries.get(key) === hit) {
        hit.at = Date.now();
        finish(key, res, hit);
        if (!res.destroyed) send(req, res, hit);
      } else if (!res.destroyed) {
        passedOn.set(req, version);
        render();
      }
    });
    return true;
  };

  /** Sends a kept copy (true). */
  const send = (req: IncomingMessage, res: ServerResponse, hit: Entry): true => {
    options.securityHeaders(req, res, hit.scriptSources);
    for (const [name, value] of hit.headers) res.setHeader(name, value);
    res.setHeader("ETag", hit.etag);
    res.setHeader("X-Page-Cache", "hit");
    if (req.headers["if-none-match"] === hit.etag) {
      res.statusCode = 304;
      res.end();
      return true;
    }
    const encoding = preferredEncoding(req.headers["accept-encoding"]);
    const body = hit.bodies[encoding];
    if (encoding !== "identity") res.setHeader("Content-Encoding", encoding);
    res.setHeader("Content-Length", body.length);
    res.statusCode = 200;
    res.end(body);
    return true;
  };

  const hits = (req: Request, res: Response, next: NextFunction) => {
    if (!answer(req, res, () => next())) next();
  };

  const store = (req: Request, res: Response, next: NextFunction) => {
    const page = pageOf(req);
    if (page === null) return next();
    const { key } = page;
    // Rendered without a nonce: the answer allows its inline scripts by their hashes instead.
    res.locals.cspNonce = "";
    // Usually marked by `answer` already; a request that did not wait renders beside the one that refreshes.
    if (!refreshing.has(key)) begin(key, res);
    // What the page shows, asked before it is rendered (the render starts once this is known): a
    // change in between makes a later check "changed" (one render more), never a copy kept under
    // a version older than what it shows. A check that sent the request here has just asked.
    const checked = passedOn.get(req);
    const version = options.version ? (typeof checked === "string" ? Promise.resolve(checked) : versionOf(page)) : null;
    // The answer is held until its end (a page is tens of kilobytes), then sent with its CSP.
    const chunks: Buffer[] = [];
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (typeof chunk === "string") chunks.push(Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8"));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      if (callback) process.nextTick(callback);
      return true;
    }) as Response["write"];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk !== undefined && typeof chunk !== "function") keep(chunk, rest[0]);
      const callback = [chunk, ...rest].find((r) => typeof r === "function") as (() => void) | undefined;
      const html = Buffer.concat(chunks);
      const type = String(res.getHeader("content-type") ?? "");
      const scriptSources = type.startsWith("text/html") ? inlineScriptHashes(html.toString("utf8")) : "'self'";
      options.securityHeaders(req, res, scriptSources);
      if (res.statusCode === 200 && type.startsWith("text/html") && !res.getHeader("set-cookie")) {
        // Compressed off the event loop (zlib's thread pool), at the highest levels worth it for bytes
        // sent thousands of times; readers meanwhile get the previous copy. Then stored and sent.
        storing.add(res);
        const headers: Array<[string, string]> = [];
        for (const name of ["content-type", "cache-control"]) {
          const value = res.getHeader(name);
          if (value !== undefined) headers.push([name, String(value)]);
        }
        // A hit is sent compressed by what the request accepts: a cache in front must know.
        const vary = String(res.getHeader("vary") ?? "");
        headers.push(["vary", /accept-encoding/i.test(vary) ? vary : vary ? `${vary}, Accept-Encoding` : "Accept-Encoding"]);
        // A window to fit the page (not brotli's default 4 MiB, whose allocation and release cost more than the compression).
        const window = Math.min(22, Math.max(16, Math.ceil(Math.log2(html.length + 1))));
        const quality = {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: 9,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: html.length,
            [zlib.constants.BROTLI_PARAM_LGWIN]: window,
          },
        };
        void Promise.all([gzip(html, { level: 9 }), brotli(html, quality), version ?? null])
          .then(([gzipped, brotlied, shown]) => {
            if (entries.size >= max) entries.clear();
            const now = Date.now();
            const entry: Entry = {
              at: now,
              renderedAt: now,
              version: shown,
              headers,
              scriptSources,
              etag: `W/"${crypto.createHash("sha256").update(html).digest("base64url").slice(0, 27)}"`,
              bodies: { identity: html, gzip: gzipped, br: brotlied },
            };
            entries.set(key, entry);
            finish(key, res, entry);
            if (res.destroyed) return;
            res.setHeader("ETag", entry.etag);
            const encoding = preferredEncoding(req.headers["accept-encoding"]);
            if (encoding === "identity") return end(html, callback);
            // Sent as stored; compression() leaves an answer that has a Content-Encoding alone.
            res.setHeader("Content-Encoding", encoding);
            res.setHeader("Content-Length", entry.bodies[encoding].length);
            return end(entry.bodies[encoding], callback);
          })
          .catch(() => res.destroyed || end(html, callback))
          // Stored: finished above, so this does nothing. Not stored (compression failed): the waiting requests render.
          .finally(() => finish(key, res, null));
        return res;
      }
      return end(html, callback);
    }) as Response["end"];
    if (version) void version.then(() => next());
    else next();
  };

  return { answer, hits, store };
}

/** br if the client takes it, else gzip, else none (q=0 refuses an encoding). */
export function preferredEncoding(header: string | string[] | undefined): Encoding {
  if (!header) return "identity";
  const accepted = new Set<string>();
  for (const item of String(header).split(",")) {
    const [name = "", ...params] = item.trim().toLowerCase().split(";");
    if (params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p))) continue;
    accepted.add(name.trim());
  }
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip") || accepted.has("*")) return "gzip";
  return "identity";
}

/**
 * The CSP script sources allowing a page's inline scripts: `'self'` and the SHA-256 hash of
 * each `<script>` without `src`. A script's text is hashed as the browser reads it (a script
 * element's content is raw text: no entities are decoded).
 */
export function inlineScriptHashes(html: string): string {
  const hashes = new Set<string>();
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(match[1] ?? "")) continue;
    hashes.add(
      `'sha256-${crypto
        .createHash("sha256")
        .update(match[2] ?? "", "utf8")
        .digest("base64")}'`,
    );
  }
  return ["'self'", ...hashes].join(" ");
}

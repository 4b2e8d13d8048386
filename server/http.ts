import http from "node:http";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import morgan from "morgan";
import { sql } from "kysely";
import { getDb } from "../db/client.js";
import { randomBytes } from "../app/utils/random.server.js";
import { redact, redactPath } from "../app/utils/redact.js";
import { env } from "../app/utils/env.server.js";
import type { Negotiated } from "../app/i18n/negotiate.js";
import { isDatabaseUnavailable } from "../app/utils/errors.js";
import { bodyLimit, clientErrorStatus } from "./body-limit.js";
import { csrfGuard } from "./csrf.js";
import { fastPaths, takesFastPath } from "./fast-paths.js";
import { methodGuard } from "./methods.js";
import { pageCache, privateUnlessRead } from "./page-cache.js";
import { plainErrorPage, plainLang, sendUnavailable } from "./plain-error-page.js";
import { remixMiddleware, remixServe } from "./remix-handler.js";
import { requestBudget } from "./request-budget.js";
import { staticFiles } from "./static-files.js";
import { TOKEN_PATH, tokenGuard } from "./token-guard.js";

/** Browser features the app never uses, refused for the page and anything it embeds. */
export const PERMISSIONS_POLICY = [
  "accelerometer",
  "browsing-topics",
  "camera",
  "display-capture",
  "geolocation",
  "gyroscope",
  "hid",
  "idle-detection",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "screen-wake-lock",
  "serial",
  "usb",
  "xr-spatial-tracking",
]
  .map((feature) => `${feature}=()`)
  .join(", ");

/**
 * The one address other sites may frame: the embeddable counter (app/routes/appeals.$slug_.embed.tsx,
 * issue 17), which has no form and opens signing in a new tab. Every other answer keeps
 * `frame-ancestors 'none'` (no clickjacking of the sign form or the dashboard).
 */
export const FRAMABLE = /^\/appeals\/[a-z0-9-]+\/embed\/?$/;

export interface HttpOptions {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: "production" | "development";
  logRequests: boolean;
  isProduction: boolean;
  /** The public origin forms may come from (default: APP_URL). */
  appUrl?: string;
}

/** Answers 200 when a trivial query succeeds within 2 s, 503 otherwise; never throws. */
async function checkDatabase(): Promise<boolean> {
  try {
    await Promise.race([sql`select 1`.execute(getDb()), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000).unref())]);
    return true;
  } catch {
    return false;
  }
}

export function createHttpApp(options: HttpOptions) {
  const app = express();
  app.disable("x-powered-by");
  // Behind a reverse proxy the client address comes from X-Forwarded-For (rate limits): which
  // proxies to believe is TRUST_PROXY (app/utils/env.server.ts; default: the private ranges).
  app.set("trust proxy", env().TRUST_PROXY);
  // Every answer to anything but GET or HEAD goes out private, no-store (server/page-cache.ts).
  privateUnlessRead(app.response);

  if (options.logRequests) {
    morgan.token("safe-url", (req) => redactPath((req as express.Request).originalUrl ?? "/"));
    app.use(morgan(":method :safe-url :status :res[content-length] - :response-time ms"));
  }

  /** The security headers of every answer, given the CSP's script sources (a nonce, or a cached page's hashes). */
  const securityHeaders = (req: http.IncomingMessage, res: http.ServerResponse, scriptSources: string) => {
    // The address as the client asked for it (express's originalUrl; a mounted router rewrites req.url).
    const asked = (req as Partial<express.Request>).originalUrl ?? req.url ?? "/";
    const pathname = asked.split("?", 1)[0]!;
    res.setHeader("Content-Security-Policy", contentSecurityPolicy(scriptSources, options.isProduction, FRAMABLE.test(pathname)));
    res.setHeader("X-Content-Type-Options", "nosniff");
    // The app uses none of these; nothing embedded in a page may ask for them either.
    res.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
    // Another site that opens a page of ours in a window gets no handle on it (and we none on it).
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    // A page whose address holds a token sends no Referer at all (its links and its form).
    res.setHeader("Referrer-Policy", TOKEN_PATH.test(pathname) ? "no-referrer" : "same-origin");
    // Browsers take this only over HTTPS, which production is behind.
    if (options.isProduction) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    // Tor Browser offers the same page on the onion service (ONION_URL): path and query as asked.
    const onion = onionLocation(asked);
    if (onion) res.setHeader("Onion-Location", onion);
  };

  // Anonymous public pages (home, appeal pages) are rendered at most once per 2 s per language,
  // and only when what they show has changed (or once a minute), and kept compressed
  // (server/page-cache.ts); a copy is sent from here, before anything else.
  const pages = pageCache({ ttlMs: 2000, maxAgeMs: 60_000, path: /^\/(appeals\/[a-z0-9-]+\/?)?$/, securityHeaders, version: pageVersion(options.build) });
  app.use(pages.hits);
  // The app's own static files, from memory and compressed once (server/static-files.ts), in production.
  const files =
    options.mode === "production"
      ? staticFiles({
          mounts: [
            { prefix: "/build", dir: path.resolve("public/build"), cacheControl: "public, max-age=31536000, immutable" },
            { prefix: "/", dir: path.resolve("public"), cacheControl: "public, max-age=3600" },
          ],
          securityHeaders: (req, res) => securityHeaders(req, res, "'self'"),
        })
      : null;
  if (files) app.use(files);
  // Not for the sign and confirm POSTs: they compress only what they hand to Remix (server/fast-paths.ts).
  const compress = compression();
  app.use((req, res, next) => (takesFastPath(req) ? next() : compress(req, res, next)));

  // Security headers on every answer: pages, static files, /healthz, refusals (before all of them).
  app.use((req, res, next) => {
    const nonce = randomBytes(16).toString("base64");
    res.locals.cspNonce = nonce;
    securityHeaders(req, res, `'self' 'nonce-${nonce}'`);
    next();
  });

  // A URL that cannot be decoded never reaches the router (it would be a 500 there), nor one
  // whose decoded path the router would read as another host: "//\t../x" makes React Router's
  // `new URL(path, base)` throw. No route of ours has a backslash or a control character.
  app.use((req, res, next) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(req.path);
    } catch {
      res
        .status(400)
        .type("html")
        .send(plainErrorPage(plainLang(req), 400));
      return;
    }
    if (/[\u0000-\u001f\u007f\\]/.test(decoded) || !URL.canParse(decoded, "http://localhost")) {
      res
        .status(400)
        .type("html")
        .send(plainErrorPage(plainLang(req), 400));
      return;
    }
    next();
  });

  // Each address answers only the methods it has (server/methods.ts): OPTIONS, 405 with Allow.
  app.use(methodGuard({ build: options.build }));

  app.get("/healthz", async (_req, res) => {
    const up = await checkDatabase();
    res
      .status(up ? 200 : 503)
      .set("Cache-Control", "no-store")
      .json({ ok: up, db: up ? "up" : "down" });
  });

  // Fingerprinted build assets are immutable; everything else in public/ for an hour.
  app.use("/build", express.static(path.resolve("public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.resolve("public"), { maxAge: "1h" }));

  // Every state-changing request: from this site only (server/csrf.ts), within its size limit.
  app.use(csrfGuard({ appUrl: options.appUrl ?? env().APP_URL, onionUrl: env().ONION_URL }));
  app.use(bodyLimit());
  // Link pages (confirm, reject, withdraw, unsubscribe, sign-in): guessing is rate-limited per IP.
  app.use(tokenGuard());
  // A client flooding a costly request (deep list pages, /verify uploads, sign-in) is refused
  // cheaply once past its budget (server/request-budget.ts).
  app.use(requestBudget());

  // A public page rendered here is kept (pages.hits above serves the copies).
  app.use(pages.store);

  const serve = remixServe({ build: options.build, mode: options.mode });
  app.use(fastPaths({ serve, compress }));

  app.all("*", remixMiddleware(serve));

  // Last resort: an exception outside Remix. Never a stack trace to the client.
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    // A body that could not be read (too large, aborted, badly encoded) is the client's error.
    const status = clientErrorStatus(error);
    // The database is unreachable for a moment (e.g. a fast path's query): 503, retry later.
    if (!status && isDatabaseUnavailable(error)) {
      console.error(redact(`database unavailable on ${req.method} ${redactPath(req.originalUrl)}: ${error instanceof Error ? error.message : String(error)}`));
      if (!res.headersSent) sendUnavailable(req, res);
      return;
    }
    if (!status) console.error(redact(`error on ${req.method} ${redactPath(req.originalUrl)}: ${error instanceof Error ? error.message : String(error)}`));
    if (res.headersSent) return;
    if (status) {
      if (status === 413) res.set("Connection", "close");
      res
        .status(status)
        .set("Cache-Control", "no-store")
        .type("html")
        .send(plainErrorPage(plainLang(req), status));
      return;
    }
    res
      .status(500)
      .type("html")
      .send(plainErrorPage(plainLang(req), 500));
  });
  // The fast lane: a cached page or a static file already in memory is answered by plain node:http,
  // ahead of express (its request set-up and middleware walk cost more than the answer itself —
  // bench:pages, issue 16); everything else goes through express. `app.listen` serves both.
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = process.hrtime.bigint();
    // The same line morgan writes for what goes through express (set before the answer: it may finish at once).
    const logLine = () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      process.stdout.write(`${req.method} ${redactPath(req.url ?? "/")} ${res.statusCode} ${res.getHeader("content-length") ?? "-"} - ${ms.toFixed(3)} ms\n`);
    };
    if (options.logRequests) res.once("finish", logLine);
    const viaExpress = () => {
      res.off("finish", logLine);
      app(req, res);
    };
    if (pages.answer(req, res, viaExpress) || files?.answer(req, res)) return;
    viaExpress();
  };
  app.listen = ((...args: Parameters<http.Server["listen"]>) => http.createServer(expressShaped(app), listener).listen(...args)) as typeof app.listen;
  return app;
}

/**
 * node:http's options that create each request and response with express's prototypes
 * (`app.request`, `app.response`) from the start, for the server `app.listen` starts. express
 * gives every request it takes those prototypes itself (Object.setPrototypeOf, in its init
 * middleware); on objects that have them already, that changes nothing. On Node 20 and 22,
 * setting them on each request made V8 keep every request's objects through its young-generation
 * collections (promoted, then freed only by a full collection: 4 KB a request), so each
 * scavenge took several times longer while signing, and a scavenge pauses every page being sent
 * (bench:pages, issue 16; server/young-generation.test.ts). Made by calling node:http's
 * constructors on an object with the prototype (Reflect.construct with a new.target did not
 * help); if they ever become classes, which cannot be called so, the server is left as it was.
 * The fast lane (page copies, static files) uses node:http's own methods, which these objects
 * still have.
 */
function expressShaped(app: express.Express): http.ServerOptions {
  const isClass = (f: unknown) => /^class\b/.test(Function.prototype.toString.call(f));
  if (isClass(http.IncomingMessage) || isClass(http.ServerResponse)) return {};
  function AppRequest(this: http.IncomingMessage, ...args: unknown[]) {
    Reflect.apply(http.IncomingMessage, this, args);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: http.ServerResponse, ...args: unknown[]) {
    Reflect.apply(http.ServerResponse, this, args);
  }
  AppResponse.prototype = app.response;
  return { IncomingMessage: AppRequest as unknown as typeof http.IncomingMessage, ServerResponse: AppResponse as unknown as typeof http.ServerResponse };
}

type PublicPageVersion = typeof import("../app/services/page-version.server.js").publicPageVersion;

/**
 * What a public page shows, for the page cache: the build's publicPageVersion (exported by
 * app/entry.server.tsx), prefixed by the build's own version so a new build is rendered anew
 * (`npm run dev` loads one without a restart).
 */
function pageVersion(build: HttpOptions["build"]) {
  return async (url: URL, language: Negotiated): Promise<string | null> => {
    const loaded = typeof build === "function" ? await build() : build;
    const version = (loaded.entry.module as { publicPageVersion?: PublicPageVersion }).publicPageVersion;
    const shown = version ? await version(url, language.lang, language.requested) : null;
    return shown === null ? null : `${loaded.assets.version}:${shown}`;
  };
}

const policies = new Map<string, string>();

/**
 * The Content-Security-Policy with these script sources (kept per sources: a cached page's hashes
 * repeat); `framable` lets any site frame the answer (FRAMABLE only).
 */
export function contentSecurityPolicy(scriptSources: string, isProduction: boolean, framable = false): string {
  const key = `${framable ? "f" : "-"}${scriptSources}`;
  const cached = policies.get(key);
  if (cached) return cached;
  const policy = [
    "default-src 'self'",
    `script-src ${scriptSources}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${isProduction ? "" : " ws://localhost:* ws://127.0.0.1:*"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    framable ? "frame-ancestors *" : "frame-ancestors 'none'",
  ].join("; ");
  // A nonce is never seen twice: only hash lists are kept, and only so many.
  if (!scriptSources.includes("'nonce-")) {
    if (policies.size >= 1000) policies.clear();
    policies.set(key, policy);
  }
  return policy;
}

/**
 * The Onion-Location header for a request's path and query (RFC-less, Tor Browser's): ONION_URL
 * followed by them, or null when ONION_URL is unset (or the target is not a plain origin-form
 * path a header may carry).
 */
export function onionLocation(originalUrl: string, onionUrl = env().ONION_URL): string | null {
  if (!onionUrl || !originalUrl.startsWith("/") || originalUrl.startsWith("//") || !/^[\x21-\x7e]*$/.test(originalUrl)) return null;
  return `${onionUrl}${originalUrl}`;
}

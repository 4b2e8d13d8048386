import crypto from "node:crypto";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import morgan from "morgan";
import { sql } from "kysely";
import { getDb } from "../db/client.js";
import { redactPath } from "../app/utils/redact.js";
import { negotiateLanguage } from "../app/i18n/negotiate.js";
import { fastPaths } from "./fast-paths.js";
import { pageCache } from "./page-cache.js";
import { plainErrorPage } from "./plain-error-page.js";

export interface HttpOptions {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: "production" | "development";
  logRequests: boolean;
  isProduction: boolean;
}

/** Answers 200 when a trivial query succeeds within 2 s, 503 otherwise; never throws. */
async function checkDatabase(): Promise<boolean> {
  try {
    await Promise.race([
      sql`select 1`.execute(getDb()),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

export function createHttpApp(options: HttpOptions) {
  const app = express();
  app.disable("x-powered-by");
  // Behind a reverse proxy the client address comes from X-Forwarded-For (rate limits).
  app.set("trust proxy", "loopback, linklocal, uniquelocal");
  app.use(compression());

  if (options.logRequests) {
    morgan.token("safe-url", (req) => redactPath((req as express.Request).originalUrl ?? "/"));
    app.use(morgan(":method :safe-url :status :res[content-length] - :response-time ms"));
  }

  // A URL that cannot be decoded never reaches the router (it would be a 500 there).
  app.use((req, res, next) => {
    try {
      decodeURIComponent(req.path);
      next();
    } catch {
      const { lang } = negotiateLanguage(new URL("http://x/"), req.headers.cookie ?? null, req.headers["accept-language"] ?? null);
      res.status(400).type("html").send(plainErrorPage(lang, 400));
    }
  });

  app.get("/healthz", async (_req, res) => {
    const up = await checkDatabase();
    res.status(up ? 200 : 503).set("Cache-Control", "no-store").json({ ok: up, db: up ? "up" : "down" });
  });

  // Fingerprinted build assets are immutable; everything else in public/ for an hour.
  app.use("/build", express.static(path.resolve("public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.resolve("public"), { maxAge: "1h" }));

  app.use((_req, res, next) => {
    const nonce = crypto.randomBytes(16).toString("base64");
    res.locals.cspNonce = nonce;
    res.setHeader(
      "Content-Security-Policy",
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        `connect-src 'self'${options.isProduction ? "" : " ws://localhost:* ws://127.0.0.1:*"}`,
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join("; "),
    );
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "same-origin");
    next();
  });

  // Anonymous public pages (home, appeal pages) are rendered at most once per 2 s per language.
  app.use(pageCache({ ttlMs: 2000, path: /^\/(appeals\/[a-z0-9-]+\/?)?$/ }));

  app.use(fastPaths({ build: options.build, mode: options.mode }));

  app.all(
    "*",
    createRequestHandler({
      build: options.build,
      mode: options.mode,
      getLoadContext: (req, res) => ({ cspNonce: String(res.locals.cspNonce ?? ""), clientIp: req.ip ?? "" }),
    }),
  );

  // Last resort: an exception outside Remix. Never a stack trace to the client.
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    console.error(`error on ${req.method} ${redactPath(req.originalUrl)}:`, error instanceof Error ? error.message : error);
    if (res.headersSent) return;
    const { lang } = negotiateLanguage(new URL("http://x/"), req.headers.cookie ?? null, req.headers["accept-language"] ?? null);
    res.status(500).type("html").send(plainErrorPage(lang, 500));
  });
  return app;
}

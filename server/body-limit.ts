import express, { type NextFunction, type Request, type Response } from "express";
import { plainErrorPage, plainLang } from "./plain-error-page.js";

const KB = 1024;
const MB = 1024 * KB;

export interface BodyRule {
  path: RegExp;
  limit: number;
}

/**
 * Request body limits, by path (the first rule that matches; else `fallback`):
 * - public forms (sign, sign-in, my data, token buttons): 64 KB — their longest field is 254 characters;
 * - dashboard forms: 2 MB — an appeal's text may be 100,000 characters, up to 6 bytes each once form-encoded;
 * - attachments: 12 MB — the 10 MB file plus the form around it; a file just over 10 MB still
 *   reaches the form, which explains the limit beside the field;
 * - verifying a letter: 513 MB — the PDF is hashed as it streams in and never kept
 *   (app/services/verify-upload.server.ts takes one file part of up to 512 MB and a few small
 *   fields, and refuses anything else at the part that crosses a bound; large letters are large).
 */
export const BODY_RULES: BodyRule[] = [
  { path: /^\/dashboard\/appeals\/[^/]+\/attachments\/?$/, limit: 12 * MB },
  { path: /^\/verify\/[^/]+\/?$/, limit: 513 * MB },
  { path: /^\/dashboard(\/|$)/, limit: 2 * MB },
];
export const DEFAULT_BODY_LIMIT = 64 * KB;

/** The read-only JSON API answers any body (its POST is a no-op for CORS clients): not a form. */
const FREE_BODY = /^\/api\//;

/** Bodies up to this size are read here when they come without a length (chunked). */
const BUFFER_AT_MOST = 16 * MB;

function limitFor(path: string, rules: BodyRule[], fallback: number): number {
  return rules.find((r) => r.path.test(path))?.limit ?? fallback;
}

/**
 * A declared Content-Length over the limit is answered 413 at once, before the body is read.
 * A chunked body is read here, up to the limit, and handed on as bytes (`req.body`); past the
 * limit it is a 413 too. Node itself stops a body at its declared length.
 * A compressed request body (Content-Encoding) is refused with 415: no browser sends one, and it
 * would defeat the limit. So is a body that is not a form (pages only take forms).
 */
export function bodyLimit(rules: BodyRule[] = BODY_RULES, fallback = DEFAULT_BODY_LIMIT) {
  const readers = new Map<number, express.RequestHandler>();
  const reader = (limit: number) => {
    let r = readers.get(limit);
    if (!r) {
      r = express.raw({ type: () => true, limit, inflate: false });
      readers.set(limit, r);
    }
    return r;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    const limit = limitFor(req.path, rules, fallback);
    // A body streamed on to Remix is cut at the same limit (server/remix-handler.ts).
    res.locals.bodyLimit = limit;
    const declared = req.headers["content-length"];
    if (declared !== undefined) {
      const length = Number(declared);
      if (!Number.isFinite(length) || length > limit) return refuse(req, res, 413);
    }
    const encoding = String(req.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding !== "identity" && encoding !== "") return refuse(req, res, 415);
    if (!FREE_BODY.test(req.path)) {
      const hasBody = (declared !== undefined && declared !== "0") || req.headers["transfer-encoding"] !== undefined;
      const type = String(req.headers["content-type"] ?? "").toLowerCase();
      // Pages take forms: a POST without a body is an empty form (a button), anything else
      // (JSON, text/plain, raw bytes) is refused here rather than failing in the route.
      if (!hasBody) req.headers["content-type"] = "application/x-www-form-urlencoded";
      else if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/.test(type)) return refuse(req, res, 415);
    }
    if (declared === undefined && req.headers["transfer-encoding"] !== undefined && limit <= BUFFER_AT_MOST) return reader(limit)(req, res, next);
    next();
  };
}

/**
 * The refusal is sent at once. A body of reasonable size is then read and dropped (Node does it
 * once the answer is sent), so that a browser still uploading gets to show the page; past
 * DRAIN_AT_MOST the connection is closed instead.
 */
const DRAIN_AT_MOST = 64 * MB;

function refuse(req: Request, res: Response, status: 413 | 415) {
  if (!(Number(req.headers["content-length"] ?? 0) <= DRAIN_AT_MOST)) res.set("Connection", "close");
  res
    .status(status)
    .set("Cache-Control", "no-store")
    .type("html")
    .send(plainErrorPage(plainLang(req), status));
}

/**
 * Errors raised while reading a body (body-parser's 413/400/415, an aborted upload) carry their
 * status: answered with it and a plain page, not as a crash.
 */
export function clientErrorStatus(error: unknown): 400 | 413 | 415 | null {
  if (typeof error !== "object" || error === null) return null;
  const status = "status" in error ? error.status : "statusCode" in error ? error.statusCode : undefined;
  if (status === 413 || status === 415) return status;
  if (typeof status === "number" && status >= 400 && status < 500) return 400;
  return null;
}

import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { preferredEncoding } from "./page-cache.js";

/** What a file is sent as, by extension; other files are left to express.static. */
const TYPES: Record<string, { type: string; compress: boolean }> = {
  ".js": { type: "text/javascript; charset=utf-8", compress: true },
  ".mjs": { type: "text/javascript; charset=utf-8", compress: true },
  ".css": { type: "text/css; charset=utf-8", compress: true },
  ".map": { type: "application/json; charset=utf-8", compress: true },
  ".json": { type: "application/json; charset=utf-8", compress: true },
  ".svg": { type: "image/svg+xml", compress: true },
  ".txt": { type: "text/plain; charset=utf-8", compress: true },
  ".ico": { type: "image/vnd.microsoft.icon", compress: true },
  ".png": { type: "image/png", compress: false },
  ".woff2": { type: "font/woff2", compress: false },
};

/** Files larger than this are left to express.static (streamed from disk). */
const MAX_FILE = 2 * 1024 * 1024;
/** The most the kept copies may take, all encodings together. */
const MAX_TOTAL = 64 * 1024 * 1024;

interface Entry {
  headers: Array<[string, string]>;
  etag: string;
  bodies: { identity: Buffer; gzip?: Buffer; br?: Buffer };
}

export interface StaticMount {
  /** URL prefix ("/build") and the folder it maps to. */
  prefix: string;
  dir: string;
  cacheControl: string;
}

/**
 * The app's own static files (public/, the build's fingerprinted bundles) answered from memory:
 * each file read once, kept with its gzip and brotli forms (compressed once, at the highest
 * levels, instead of on every request by compression()), an ETag and its Cache-Control, and
 * sent ahead of the routers. Only in production: there the files do not change while the
 * server runs (a new build is a new process). Anything it does not know — another extension,
 * a large file, a path it would have to think about — goes on to express.static as before.
 */
export function staticFiles(options: { mounts: StaticMount[]; securityHeaders: (req: IncomingMessage, res: ServerResponse) => void }) {
  const entries = new Map<string, Entry | Promise<Entry | null>>();
  let total = 0;

  const mountOf = (urlPath: string) => options.mounts.find((m) => urlPath.startsWith(m.prefix === "/" ? "/" : `${m.prefix}/`));

  const load = async (urlPath: string, mount: StaticMount, kind: (typeof TYPES)[string]): Promise<Entry | null> => {
    const file = path.join(mount.dir, urlPath.slice(mount.prefix === "/" ? 1 : mount.prefix.length + 1));
    if (!file.startsWith(mount.dir + path.sep)) return null;
    const stat = await fs.stat(file).catch(() => null);
    if (!stat?.isFile() || stat.size > MAX_FILE) return null;
    const identity = await fs.readFile(file);
    const bodies: Entry["bodies"] = { identity };
    if (kind.compress && identity.length > 256) {
      bodies.gzip = zlib.gzipSync(identity, { level: 9 });
      bodies.br = zlib.brotliCompressSync(identity, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
    }
    const size = identity.length + (bodies.gzip?.length ?? 0) + (bodies.br?.length ?? 0);
    if (total + size > MAX_TOTAL) return null;
    total += size;
    return {
      headers: [
        ["Content-Type", kind.type],
        ["Cache-Control", mount.cacheControl],
        ["Last-Modified", stat.mtime.toUTCString()],
        ...(kind.compress ? ([["Vary", "Accept-Encoding"]] as Array<[string, string]>) : []),
      ],
      etag: `W/"${crypto.createHash("sha256").update(identity).digest("base64url").slice(0, 27)}"`,
      bodies,
    };
  };

  const send = (req: IncomingMessage, res: ServerResponse, entry: Entry) => {
    options.securityHeaders(req, res);
    for (const [name, value] of entry.headers) res.setHeader(name, value);
    res.setHeader("ETag", entry.etag);
    if (req.headers["if-none-match"] === entry.etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    const encoding = preferredEncoding(req.headers["accept-encoding"]);
    const body = (encoding !== "identity" && entry.bodies[encoding]) || entry.bodies.identity;
    if (body !== entry.bodies.identity) res.setHeader("Content-Encoding", encoding);
    res.setHeader("Content-Length", body.length);
    res.statusCode = 200;
    res.end(req.method === "HEAD" ? undefined : body);
  };

  /** A file already in memory is sent (true); anything else is left to the middleware. Plain node:http (the fast lane). */
  const answer = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const known = entries.get(req.url ?? "");
    if (!known || known instanceof Promise) return false;
    send(req, res, known);
    return true;
  };

  const middleware = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    // Plain paths only (no query, no escapes, no dot segments): anything else is express.static's.
    const urlPath = req.url;
    if (!/^\/[A-Za-z0-9_.\-/]*$/.test(urlPath) || urlPath.includes("..") || urlPath.includes("//")) return next();
    const known = entries.get(urlPath);
    if (known && !(known instanceof Promise)) return send(req, res, known);
    const mount = mountOf(urlPath);
    const kind = TYPES[path.extname(urlPath).toLowerCase()];
    if (!mount || !kind) return next();
    const pending = known ?? load(urlPath, mount, kind).catch(() => null);
    if (!known) entries.set(urlPath, pending);
    pending.then(
      (entry) => {
        if (!entry) {
          entries.delete(urlPath);
          return next();
        }
        entries.set(urlPath, entry);
        send(req, res, entry);
      },
      () => next(),
    );
  };
  return Object.assign(middleware, { answer });
}

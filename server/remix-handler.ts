import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { createReadableStreamFromReadable, createRequestHandler } from "@remix-run/node";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { NextFunction, Request, Response } from "express";
import { plainErrorPage, plainLang, sendUnavailable } from "./plain-error-page.js";

/** An unread request body up to this size is read and dropped after an early answer. */
const DROP_UNREAD_AT_MOST = 1024 * 1024;

export type RemixServe = (req: Request, res: Response, body?: Buffer) => Promise<void>;

/**
 * Hands an Express request to Remix, as `@remix-run/express` does, except that a body already
 * read (by the size limit or a fast path) is passed on as bytes instead of the spent stream.
 */
export function remixServe(options: { build: ServerBuild | (() => Promise<ServerBuild>); mode: string }): RemixServe {
  const handle = createRequestHandler(options.build, options.mode);
  return async (req, res, body) => {
    // The host as @remix-run/express resolves it (X-Forwarded-Host from a trusted proxy, then Host).
    const port = [req.get("x-forwarded-host"), req.get("host")].map((h) => Number.parseInt(h?.split(":")[1] ?? "", 10)).find(Number.isSafeInteger);
    let url: URL;
    try {
      url = new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`);
    } catch {
      // A Host header no URL can be made of: the client's mistake, not a crash.
      res
        .status(400)
        .type("html")
        .send(plainErrorPage(plainLang(req), 400));
      return;
    }
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(key, v);
      else if (value !== undefined) headers.set(key, value);
    }
    const controller = new AbortController();
    const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: controller.signal };
    if (req.method !== "GET" && req.method !== "HEAD") {
      if (body) init.body = new Uint8Array(body);
      else {
        const limit = res.locals.bodyLimit;
        init.body = createReadableStreamFromReadable(typeof limit === "number" ? req.pipe(cutAt(limit)) : req);
        init.duplex = "half";
      }
    }
    // Loaders and actions stop when the client has gone before the answer was sent.
    let finished = false;
    res.on("finish", () => (finished = true));
    res.on("close", () => finished || controller.abort());
    const context: AppLoadContext = { cspNonce: String(res.locals.cspNonce ?? ""), clientIp: req.ip ?? "" };
    const response = await handle(new globalThis.Request(url.href, init), context);
    // A loader or action failed because the database is unreachable (marked by handleError in
    // app/entry.server.tsx): a 503 to retry, not Remix's 500 page.
    if (context.databaseUnavailable && response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      sendUnavailable(req, res);
      return;
    }
    res.statusMessage = response.statusText;
    res.status(response.status);
    // Answered before the body was read to its end (a refused upload, a sign-in redirect): a
    // small rest is read and dropped (no parsing) so the client can send it and read the answer;
    // a large one is not read, and the connection closes after the answer.
    if (!req.complete) {
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared <= DROP_UNREAD_AT_MOST) {
        req.unpipe();
        req.resume();
      } else res.set("Connection", "close");
    }
    for (const [key, value] of response.headers.entries()) res.append(key, value);
    if (response.body) await send(response.body, res);
    else res.end();
  };
}

/**
 * Sends a response body at the pace the client reads it: the next chunk is asked for only once
 * the socket (through compression(), which forwards 'drain') has room, so a client that stops
 * reading holds a few kilobytes, not the whole download. When the client leaves, the body is
 * cancelled, which stops whatever produces it (an export's query, a ZIP's file reads).
 */
async function send(body: ReadableStream<Uint8Array>, res: Response) {
  try {
    await pipeline(Readable.from(chunks(body), { objectMode: false }), res);
  } catch (error) {
    // The client went away before the end: not an error of ours (the body is cancelled).
    if (error instanceof Error && "code" in error && error.code === "ERR_STREAM_PREMATURE_CLOSE") return;
    throw error;
  }
}

/** The chunks of a web stream; stopping early (the client left) cancels the stream. */
async function* chunks(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Passes bytes through until `limit`, then fails the stream (the route sees a broken body, not more bytes). */
function cutAt(limit: number) {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(Object.assign(new Error("request body too large"), { status: 413 }));
      else callback(null, chunk);
    },
  });
}

/** Express middleware serving every request with Remix; a body read earlier is in `req.body`. */
export function remixMiddleware(serve: RemixServe) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await serve(req, res, Buffer.isBuffer(req.body) ? req.body : undefined);
    } catch (error) {
      next(error);
    }
  };
}

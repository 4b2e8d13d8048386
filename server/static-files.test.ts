import { promises as fs } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticFiles } from "./static-files.js";

let dir: string;
let server: http.Server;
let base: string;
let fallthrough = 0;
const script = `export const greeting = ${JSON.stringify("Сәлем, әлем! ".repeat(200))};\n`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-static-"));
  await fs.mkdir(path.join(dir, "build"));
  await fs.writeFile(path.join(dir, "build", "entry-ABC123.js"), script);
  await fs.writeFile(path.join(dir, "robots.txt"), "User-agent: *\n");
  await fs.writeFile(path.join(dir, "notes.weird"), "not ours");
  await fs.writeFile(path.join(dir, "big.js"), Buffer.alloc(3 * 1024 * 1024, 97));
  const app = express();
  app.use(
    staticFiles({
      mounts: [
        { prefix: "/build", dir: path.join(dir, "build"), cacheControl: "public, max-age=31536000, immutable" },
        { prefix: "/", dir, cacheControl: "public, max-age=3600" },
      ],
      securityHeaders: (_req, res) => res.setHeader("X-Content-Type-Options", "nosniff"),
    }),
  );
  app.use((_req, res) => {
    fallthrough++;
    res.status(404).send("next");
  });
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

/** A GET as sent, the body as received (not decompressed). */
function get(urlPath: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    // As written (a URL object would resolve the dot segments before sending).
    const req = http.request({ host: "127.0.0.1", port: new URL(base).port, path: urlPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("static files from memory", () => {
  it("sends a bundle as stored: brotli, gzip or plain as accepted, the same bytes, with its caching headers", async () => {
    const br = await get("/build/entry-ABC123.js", { "accept-encoding": "gzip, br" });
    expect(br.status).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(script);
    expect(br.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(br.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(br.headers["x-content-type-options"]).toBe("nosniff");
    expect(Number(br.headers["content-length"])).toBe(br.body.length);
    const gzip = await get("/build/entry-ABC123.js", { "accept-encoding": "gzip" });
    expect(zlib.gunzipSync(gzip.body).toString()).toBe(script);
    const plain = await get("/build/entry-ABC123.js");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
    // Revalidation and HEAD.
    expect((await get("/build/entry-ABC123.js", { "if-none-match": String(br.headers.etag) })).status).toBe(304);
    const head = await get("/build/entry-ABC123.js", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const robots = await get("/robots.txt");
    expect(robots.body.toString()).toBe("User-agent: *\n");
    expect(robots.headers["cache-control"]).toBe("public, max-age=3600");
  });

  it("leaves to the next handler what it does not know: other types, missing and large files, odd paths", async () => {
    const before = fallthrough;
    for (const p of ["/notes.weird", "/build/missing.js", "/big.js", "/build/../robots.txt", "/build/%2e%2e/robots.txt", "/robots.txt?x=1", "//robots.txt"])
      expect((await get(p)).body.toString()).toBe("next");
    expect(fallthrough - before).toBe(7);
  });
});

import type { Server } from "node:http";
import crypto from "node:crypto";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import http from "node:http";
import zlib from "node:zlib";
import { pageCache, preferredEncoding } from "./page-cache.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A real HTTP server whose page takes `renderMs` to render and counts its renders. */
async function start(options: {
  ttlMs: number;
  renderMs: number;
  staleMs?: number;
  maxAgeMs?: number;
  maxWaiting?: number;
  version?: () => Promise<string | null>;
  /** An asynchronous middleware between the cache's hits and its store taking this long (the app's static-file look-ups, its guards). */
  gapMs?: number;
  /** The status of the nth render (200 unless said). */
  status?: (n: number) => number;
}) {
  const app = express();
  let renders = 0;
  let nonces = 0;
  app.use((_req, res, next) => {
    res.locals.cspNonce = `nonce${++nonces}x`;
    next();
  });
  const cache = pageCache({
    ttlMs: options.ttlMs,
    staleMs: options.staleMs,
    maxAgeMs: options.maxAgeMs,
    maxWaiting: options.maxWaiting,
    version: options.version,
    path: /^\/(appeals\/[a-z0-9-]+\/?)?$/,
    securityHeaders: (_req, res, scriptSources) => res.setHeader("Content-Security-Policy", `script-src ${scriptSources}`),
  });
  app.use(cache.hits);
  if (options.gapMs) app.use((_req, _res, next) => void setTimeout(next, options.gapMs));
  app.use(cache.store);
  app.get("/appeals/demo", (_req, res) => {
    renders++;
    const n = renders;
    const nonce = String(res.locals.cspNonce);
    setTimeout(
      () =>
        res
          .status(options.status?.(n) ?? 200)
          .type("html")
          .send(`<script${nonce ? ` nonce="${nonce}"` : ""}>go(${n})</script><p>render ${n}</p>`),
      options.renderMs,
    );
  });
  const server = await new Promise<Server>((resolve) => {
    const listening: Server = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  servers.push(server);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/appeals/demo`, renders: () => renders };
}

describe("page micro-cache", () => {
  it("renders an expired page once while concurrent readers get the previous copy, its script allowed by its hash", async () => {
    // Margins for a loaded machine: the refresh takes 1 s, so all twenty readers arrive while it
    // runs; the old copy may be served for 10 s; the new one stays fresh for 0.5 s.
    const app = await start({ ttlMs: 500, renderMs: 1000, staleMs: 10_000 });
    const first = await (await fetch(app.url)).text();
    expect(first).toContain("render 1");
    expect(app.renders()).toBe(1);

    await new Promise((r) => setTimeout(r, 600)); // expired
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(app.url)));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(app.renders()).toBe(2); // one refresh, not twenty
    expect(bodies.filter((b) => b.includes("render 2"))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes("render 1"))).toHaveLength(19);
    // Rendered without a nonce; each answer allows exactly its own script by hash.
    expect(bodies.some((b) => b.includes("nonce="))).toBe(false);
    const hash = (n: number) => `'sha256-${crypto.createHash("sha256").update(`go(${n})`).digest("base64")}'`;
    for (const [i, r] of responses.entries())
      expect(r.headers.get("content-security-policy")).toBe(`script-src 'self' ${hash(bodies[i]!.includes("render 2") ? 2 : 1)}`);

    const after = await fetch(app.url);
    expect(after.headers.get("x-page-cache")).toBe("hit");
    expect(await after.text()).toContain("render 2");
  });

  it("renders an expired page once when the way from the cache to the render takes time (the app's middleware)", async () => {
    // The request that finds the copy expired takes 300 ms to reach the render; twenty more arrive
    // meanwhile. Each used to render the page too, until the first one's render began. (A render of
    // 1 s: margins for a loaded machine, so that all twenty arrive before the new copy is made.)
    const app = await start({ ttlMs: 500, renderMs: 1000, staleMs: 10_000, gapMs: 300 });
    expect(await (await fetch(app.url)).text()).toContain("render 1");
    await new Promise((r) => setTimeout(r, 600)); // expired
    const bodies = await Promise.all(Array.from({ length: 20 }, () => fetch(app.url).then((r) => r.text())));
    expect(app.renders()).toBe(2);
    expect(bodies.filter((b) => b.includes("render 2"))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes("render 1"))).toHaveLength(19);

    // The same at maxAgeMs, when the copy's version is unchanged but it is rendered anyway.
    const versioned = await start({ ttlMs: 200, renderMs: 1000, staleMs: 10_000, maxAgeMs: 700, gapMs: 300, version: async () => "v1" });
    expect(await (await fetch(versioned.url)).text()).toContain("render 1");
    await new Promise((r) => setTimeout(r, 800)); // past maxAgeMs
    const again = await Promise.all(Array.from({ length: 20 }, () => fetch(versioned.url).then((r) => r.text())));
    expect(versioned.renders()).toBe(2);
    expect(again.filter((b) => b.includes("render 2"))).toHaveLength(1);
  });

  it("renders a page with no copy, or one too old to serve, once for a rush: the others wait for that copy", async () => {
    const app = await start({ ttlMs: 200, renderMs: 1000, staleMs: 400, gapMs: 50 });
    const rush = () => Promise.all(Array.from({ length: 20 }, () => fetch(app.url)));
    const cold = await rush();
    expect(app.renders()).toBe(1);
    for (const r of cold) {
      expect(r.status).toBe(200);
      expect(await r.text()).toContain("render 1");
    }
    expect(cold.filter((r) => r.headers.get("x-page-cache") === "hit")).toHaveLength(19);

    await new Promise((r) => setTimeout(r, 600)); // past staleMs: not to be served while the next render runs
    const old = await rush();
    expect(app.renders()).toBe(2);
    for (const r of old) expect(await r.text()).toContain("render 2");
  });

  it("renders the waiting requests each for itself when the render they waited for gave no copy, and bounds how many wait", async () => {
    // The first render fails (an error page is not kept): the nine that waited are rendered, not left hanging.
    const failing = await start({ ttlMs: 5000, renderMs: 1000, status: (n) => (n === 1 ? 503 : 200) });
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(failing.url)));
    expect(answers.map((r) => r.status).sort()).toEqual([...Array<number>(9).fill(200), 503]);
    expect(failing.renders()).toBe(10);

    // At most maxWaiting wait; the rest render beside the first, as without the cache.
    const bounded = await start({ ttlMs: 5000, renderMs: 1000, maxWaiting: 3 });
    const rushed = await Promise.all(Array.from({ length: 10 }, () => fetch(bounded.url).then((r) => r.text())));
    expect(bounded.renders()).toBe(7);
    expect(rushed.filter((b) => b.includes("render 1"))).toHaveLength(4);
  });

  it("keeps an expired copy while its version is unchanged, renders when it changes, and at least every maxAgeMs", async () => {
    let shown = "v1";
    let checks = 0;
    const version = async () => {
      checks++;
      await new Promise((r) => setTimeout(r, 50)); // a query's time
      return shown;
    };
    const app = await start({ ttlMs: 300, renderMs: 1, maxAgeMs: 3000, staleMs: 10_000, version });
    const expire = () => new Promise((r) => setTimeout(r, 400));
    expect(await (await fetch(app.url)).text()).toContain("render 1");
    expect(checks).toBe(1); // asked before the render

    // Expired, unchanged: the copy again, checked once however many ask meanwhile, no render.
    await expire();
    const kept = await Promise.all(Array.from({ length: 10 }, () => fetch(app.url)));
    for (const r of kept) {
      expect(r.headers.get("x-page-cache")).toBe("hit");
      expect(await r.text()).toContain("render 1");
    }
    expect(checks).toBe(2);
    expect(app.renders()).toBe(1);
    // Kept another ttlMs from the check: no check for the next request.
    expect(await (await fetch(app.url)).text()).toContain("render 1");
    expect(checks).toBe(2);

    // Changed: the request that finds it so gets the page rendered anew, and it is kept.
    shown = "v2";
    await expire();
    expect(await (await fetch(app.url)).text()).toContain("render 2");
    expect(app.renders()).toBe(2);
    expect(checks).toBe(3); // the render kept the version its check found, not asked again
    await expire();
    expect(await (await fetch(app.url)).text()).toContain("render 2");
    expect(app.renders()).toBe(2);

    // Unknown (null) or failing: rendered again, as without a version.
    shown = null as unknown as string;
    await expire();
    expect(await (await fetch(app.url)).text()).toContain("render 3");
    shown = "v3";
    await expire();
    expect(await (await fetch(app.url)).text()).toContain("render 4"); // its copy had no version
    expect(await (await fetch(app.url)).text()).toContain("render 4");

    // Unchanged but older than maxAgeMs: rendered anyway (the clock's part of a page: a form's stamp).
    const rendered = Date.now();
    while (app.renders() === 4 && Date.now() - rendered < 10_000) {
      await expire();
      await fetch(app.url);
    }
    expect(app.renders()).toBe(5);
    expect(Date.now() - rendered).toBeGreaterThanOrEqual(2500);
  });

  it("never caches a request with a session cookie", async () => {
    const app = await start({ ttlMs: 10_000, renderMs: 1 });
    await fetch(app.url);
    await fetch(app.url, { headers: { cookie: "__session=abc" } });
    expect(app.renders()).toBe(2);
  });

  it("keeps a copy compressed and sends what the client accepts: br, gzip or none", async () => {
    const app = await start({ ttlMs: 10_000, renderMs: 1 });
    const raw = async (encoding: string) => {
      const res = await new Promise<import("node:http").IncomingMessage>((resolve) => http.get(app.url, { headers: { "accept-encoding": encoding } }, resolve));
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return { encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) };
    };
    const plain = await raw("identity");
    expect(plain.encoding).toBeUndefined();
    const br = await raw("gzip, deflate, br");
    expect(br.encoding).toBe("br");
    expect(zlib.brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    const gzip = await raw("gzip;q=1, br;q=0");
    expect(gzip.encoding).toBe("gzip");
    expect(zlib.gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    expect(app.renders()).toBe(1);
  });
});

describe("preferredEncoding", () => {
  it("takes br over gzip, honours q=0, and falls back to none", () => {
    expect(preferredEncoding("gzip, deflate, br, zstd")).toBe("br");
    expect(preferredEncoding("gzip")).toBe("gzip");
    expect(preferredEncoding("br;q=0, gzip")).toBe("gzip");
    expect(preferredEncoding("*")).toBe("gzip");
    expect(preferredEncoding("deflate")).toBe("identity");
    expect(preferredEncoding(undefined)).toBe("identity");
  });
});

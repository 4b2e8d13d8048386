import type { Server } from "node:http";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { pageCache } from "./page-cache.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A real HTTP server whose page takes `renderMs` to render and counts its renders. */
async function start(options: { ttlMs: number; renderMs: number; staleMs?: number }) {
  const app = express();
  let renders = 0;
  let nonces = 0;
  app.use((_req, res, next) => {
    res.locals.cspNonce = `nonce${++nonces}x`;
    next();
  });
  app.use(pageCache({ ttlMs: options.ttlMs, staleMs: options.staleMs, path: /^\/(appeals\/[a-z0-9-]+\/?)?$/ }));
  app.get("/appeals/demo", (_req, res) => {
    renders++;
    const n = renders;
    setTimeout(() => res.type("html").send(`<script nonce="${String(res.locals.cspNonce)}"></script><p>render ${n}</p>`), options.renderMs);
  });
  await new Promise<void>((resolve) => {
    server = app.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server!.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/appeals/demo`, renders: () => renders };
}

describe("page micro-cache", () => {
  it("renders an expired page once while concurrent readers get the previous copy, each with its own nonce", async () => {
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
    const nonces = new Set(bodies.map((b) => /nonce="([^"]+)"/.exec(b)?.[1]));
    expect(nonces.size).toBe(20);

    const after = await fetch(app.url);
    expect(after.headers.get("x-page-cache")).toBe("hit");
    expect(await after.text()).toContain("render 2");
  });

  it("never caches a request with a session cookie", async () => {
    const app = await start({ ttlMs: 10_000, renderMs: 1 });
    await fetch(app.url);
    await fetch(app.url, { headers: { cookie: "__session=abc" } });
    expect(app.renders()).toBe(2);
  });
});

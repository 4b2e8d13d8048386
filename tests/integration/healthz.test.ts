import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, setDatabaseUrl } from "../../db/client.js";
import { createHttpApp } from "../../server/http.js";
import { startTestCluster, type TestCluster } from "../setup/postgres.js";

// This file runs its own PostgreSQL so that stopping it does not disturb other files.
describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))("GET /healthz", () => {
  let cluster: TestCluster;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const given = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    cluster = await startTestCluster();
    if (given) process.env.DATABASE_URL = given;
    await closeDb();
    setDatabaseUrl(cluster.serverUrl);
    const app = createHttpApp({
      build: async () => {
        throw new Error("not used by /healthz");
      },
      mode: "production",
      logRequests: false,
      isProduction: false,
    });
    server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await closeDb();
    await cluster?.stop();
  });

  it("answers 200 while the database is up, 503 while it is down, and recovers without a restart", async () => {
    const up = await fetch(`${base}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ ok: true, db: "up" });

    await cluster.pause();
    const down = await fetch(`${base}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, db: "down" });

    await cluster.restart();
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await fetch(`${base}/healthz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
  }, 120_000);
});

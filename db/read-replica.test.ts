import net from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../tests/setup/vitest-db";
import { createDb, databaseUrl, type DbHandle } from "./client";
import { freePort } from "./embedded";
import { createReadDb } from "./read-replica";

/**
 * The public-read handle against replicas that cannot answer, each a real socket: one that accepts
 * connections and never speaks (a hung server, a dropped route), and a port nobody listens on.
 * Their statements are answered by the primary (this file's database), the first within the 1 s
 * connect timeout, the next at once; one log line says so, without the address. A statement the
 * replica itself refuses (a wrong one) is not run again elsewhere. A replica that stops while
 * serving is tests/integration/read-replica.test.ts (real pg_basebackup standby).
 */
describe("reads from a replica: falling back to the primary", () => {
  let primary: DbHandle;
  const hung: net.Socket[] = [];
  const blackHole = net.createServer((socket) => hung.push(socket));
  let blackHolePort = 0;

  beforeAll(async () => {
    primary = createDb(databaseUrl(), { max: 2 });
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    const address = blackHole.address();
    blackHolePort = typeof address === "object" && address ? address.port : 0;
  });

  afterAll(async () => {
    for (const socket of hung) socket.destroy();
    await new Promise((r) => blackHole.close(r));
    await primary.db.destroy();
  });

  const probe = sql<{ n: number }>`SELECT 1 + 1 AS n`;

  it.each([
    ["accepts connections and never answers", () => blackHolePort, "no answer in time"],
    // A port taken and closed again: nothing listens there.
    ["refuses connections", freePort, "ECONNREFUSED"],
  ])("a replica that %s: the primary answers, the replica is left alone, one log line", async (_, port, reason) => {
    const replicaPort = await port();
    const lines: string[] = [];
    const db = createReadDb(
      `postgres://appeals:secret-password@127.0.0.1:${replicaPort}/appeals`,
      () => primary.pool,
      (l) => lines.push(l),
    );
    try {
      const first = Date.now();
      expect((await probe.execute(db)).rows).toEqual([{ n: 2 }]);
      expect(Date.now() - first).toBeLessThan(2_500);
      const second = Date.now();
      for (let i = 0; i < 5; i++) expect((await probe.execute(db)).rows).toEqual([{ n: 2 }]);
      expect(Date.now() - second, "later reads do not wait for the replica").toBeLessThan(500);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`unavailable (${reason})`);
      expect(lines[0]).not.toMatch(new RegExp(`127\\.0\\.0\\.1|${replicaPort}|secret-password|appeals@`));
    } finally {
      await db.destroy();
    }
  });

  it("a statement the replica refuses as wrong fails as it would on the primary, and the replica stays in use", async () => {
    const lines: string[] = [];
    // This file's database is the "replica": a healthy server.
    const db = createReadDb(
      databaseUrl(),
      () => primary.pool,
      (l) => lines.push(l),
    );
    try {
      await expect(sql`SELECT * FROM no_such_table`.execute(db)).rejects.toMatchObject({ code: "42P01" });
      expect((await probe.execute(db)).rows).toEqual([{ n: 2 }]);
      expect(lines).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it("refuses a transaction (it could not move to the primary halfway)", async () => {
    const db = createReadDb(
      databaseUrl(),
      () => primary.pool,
      () => undefined,
    );
    try {
      await expect(db.transaction().execute(async (trx) => probe.execute(trx))).rejects.toThrow("getReadDb() runs single statements");
    } finally {
      await db.destroy();
    }
  });
});

import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { credentialsPath, startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded.js";

/**
 * The embedded PostgreSQL is a superuser on this machine: only its owner may log in. Each
 * cluster has its own random password in a 0600 file under DATA_DIR (0700), PostgreSQL listens
 * on 127.0.0.1 only, and a cluster made with the old fixed password is moved to a random one.
 */
describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))("embedded PostgreSQL credentials", () => {
  const LEGACY = "appeals-embedded";
  let root = "";
  let db: EmbeddedDatabase | undefined;
  afterAll(async () => {
    await db?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  const withPassword = (url: string, password: string) => {
    const u = new URL(url);
    u.password = password;
    return u.toString();
  };
  async function query(url: string, text: string): Promise<string> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, string>>(text);
      return String(Object.values(rows[0] ?? {})[0] ?? "");
    } finally {
      await client.end();
    }
  }
  const logsIn = (url: string) =>
    query(url, "SELECT 1").then(
      () => true,
      () => false,
    );
  const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;
  const isRoot = process.getuid?.() === 0;

  function accepts(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(3000, () => done(false));
      socket.once("connect", () => done(true));
      socket.once("error", () => done(false));
    });
  }

  it("a new cluster: its own random password in a 0600 file, the old fixed one refused, 127.0.0.1 only", async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-embedded-"));
    const dataDir = path.join(root, "pg");
    db = await startEmbeddedPostgres({ dataDir, log: () => undefined });
    const file = credentialsPath(dataDir);
    expect(path.dirname(file)).toBe(root);
    expect(await mode(file)).toBe(0o600);
    // DATA_DIR: nobody else may enter (as root, the postgres group may pass through to its cluster).
    expect(await mode(root)).toBe(isRoot ? 0o710 : 0o700);
    const password = (await fs.readFile(file, "utf8")).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(decodeURIComponent(new URL(db.url).password)).toBe(password);
    expect(await logsIn(db.url)).toBe(true);
    expect(await logsIn(withPassword(db.url, LEGACY))).toBe(false);
    expect(await query(db.url, "SHOW listen_addresses")).toBe("127.0.0.1");
    expect(await query(db.url, "SHOW unix_socket_directories")).toBe("");
    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    if (outside) expect(await accepts(outside, db.port), `PostgreSQL reachable on ${outside}`).toBe(false);
    else console.warn("embedded.test: no non-loopback IPv4 address on this machine; the outside check is skipped");
  }, 120_000);

  it("a cluster made with the old fixed password keeps working and gets a random one on its next start", async () => {
    const dataDir = path.join(root, "pg");
    const file = credentialsPath(dataDir);
    // Make it as the old code left it: the fixed password, no credentials file.
    await query(db!.url, `ALTER ROLE postgres PASSWORD '${LEGACY}'`);
    await db!.stop();
    await fs.rm(file);
    const port = db!.port;
    db = undefined;

    db = await startEmbeddedPostgres({ dataDir, port, log: () => undefined });
    expect(await mode(file)).toBe(0o600);
    const password = (await fs.readFile(file, "utf8")).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(await logsIn(db.url)).toBe(true);
    expect(await logsIn(withPassword(db.url, LEGACY))).toBe(false);

    // And the next start uses the stored password as it is.
    await db.stop();
    db = await startEmbeddedPostgres({ dataDir, port, log: () => undefined });
    expect((await fs.readFile(file, "utf8")).trim()).toBe(password);
    expect(await logsIn(db.url)).toBe(true);
  }, 120_000);
});

import { existsSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startApp, type AppProcess } from "../setup/app-process.js";

/**
 * `npm start` with no DATABASE_URL: the app runs its own PostgreSQL under DATA_DIR, keeps the
 * data across restarts, stops it on SIGTERM, and starts again after a crash (kill -9) that
 * left the cluster running. Runs server.ts exactly as `npm start` does (the build must exist:
 * `npm test` builds before vitest).
 */
describe.skipIf(!existsSync("build/index.js"))("npm start on the embedded database", () => {
  let dataDir: string;
  let app: AppProcess | undefined;
  // No DATABASE_URL (the vitest setup sets one for the other files) and the demo on first start.
  const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: "", SMTP_URL: "", DATA_DIR: dataDir, LOG_REQUESTS: "0", ...extra });

  afterAll(async () => {
    await app?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const postmasterPid = async () => Number((await fs.readFile(path.join(dataDir, "pg", "postmaster.pid"), "utf8")).split("\n")[0]);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it("serves the home page in en/ru/kk, keeps its data across a restart and recovers from a crash", async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-start-"));
    app = await startApp(env({ SEED_DEMO: "1" }));
    expect(app.output()).toContain("embedded PostgreSQL ready");
    for (const [lang, heading] of [
      ["en", 'lang="en"'],
      ["ru", 'lang="ru"'],
      ["kk", 'lang="kk"'],
    ]) {
      const res = await fetch(`${app.url}/?lang=${lang}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`<html ${heading}`);
    }
    expect((await fetch(`${app.url}/appeals/demo-appeal`)).status).toBe(200);

    // SIGTERM: the app stops its PostgreSQL too.
    const firstPg = await postmasterPid();
    await app.stop();
    expect(alive(firstPg)).toBe(false);
    expect(existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);

    // Started again without SEED_DEMO: the appeal is still there.
    app = await startApp(env());
    expect((await fetch(`${app.url}/appeals/demo-appeal`)).status).toBe(200);

    // kill -9: PostgreSQL is left running on the data folder; the next start must not be blocked.
    const leftover = await postmasterPid();
    const exited = new Promise((r) => app!.process.once("exit", r));
    app.process.kill("SIGKILL");
    await exited;
    expect(alive(leftover)).toBe(true);
    app = await startApp(env());
    expect((await fetch(`${app.url}/appeals/demo-appeal`)).status).toBe(200);
    expect(alive(leftover)).toBe(false);
    const res = await fetch(`${app.url}/healthz`);
    expect(await res.json()).toEqual({ ok: true, db: "up" });
  }, 240_000);
});

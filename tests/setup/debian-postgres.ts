import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../db/embedded.js";

const run = promisify(execFile);

/** Debian's PostgreSQL 15 (`apt-get install postgresql`; .ci/run installs it when missing). */
export const PG_BIN = "/usr/lib/postgresql/15/bin";

export function haveDebianPostgres(): boolean {
  return ["initdb", "pg_ctl", "pg_basebackup", "postgres", "pg_isready"].every((bin) => existsSync(`${PG_BIN}/${bin}`));
}

const asRoot = () => process.getuid?.() === 0;

/** A PostgreSQL binary, run as the `postgres` user when we are root (PostgreSQL refuses to run as root). */
function command(bin: string, args: string[]): [string, string[]] {
  return asRoot() ? ["runuser", ["-u", "postgres", "--", `${PG_BIN}/${bin}`, ...args]] : [`${PG_BIN}/${bin}`, args];
}

export interface Cluster {
  port: number;
  dataDir: string;
  /** The URL of database `name` on this cluster (user postgres, trust on 127.0.0.1). */
  url: (name: string) => string;
  start: () => Promise<void>;
  /** `pg_ctl stop -m fast`; nothing when it is not running. */
  stop: () => Promise<void>;
  /** The server's last lines on stderr, for a failure's message. */
  output: () => string;
}

/**
 * A folder the clusters live in (its own temp folder, owned by `postgres` when we are root) and
 * what it takes to remove it. Clusters there listen on 127.0.0.1 only, with trust for the
 * `postgres` user: throwaway test servers.
 */
export async function clusterRoot(parent: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(parent, "pg15-"));
  if (asRoot()) await run("chown", ["postgres", dir]);
  return dir;
}

function cluster(root: string, dataDir: string, port: number, flags: string[]): Cluster {
  let server: ChildProcess | null = null;
  let stderr = "";
  const c: Cluster = {
    port,
    dataDir,
    url: (name) => `postgres://postgres@127.0.0.1:${port}/${name}`,
    output: () => stderr.split("\n").slice(-20).join("\n"),
    start: async () => {
      const [bin, args] = command("postgres", ["-D", dataDir, "-p", String(port), "-k", root, "-c", "listen_addresses=127.0.0.1", ...flags]);
      const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
      child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
      server = child;
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await run(`${PG_BIN}/pg_isready`, ["-q", "-h", "127.0.0.1", "-p", String(port)]);
          return;
        } catch {
          if (child.exitCode !== null || Date.now() > deadline) {
            // Never leave a server behind a failed start (the caller gets no handle to stop it).
            if (child.exitCode === null) await run(...command("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w"])).catch(() => undefined);
            server = null;
            throw new Error(`PostgreSQL in ${dataDir} did not start:\n${c.output()}`);
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
    stop: async () => {
      const child = server;
      server = null;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      // pg_ctl, not a signal to runuser (which does not pass it on).
      await run(...command("pg_ctl", ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "30"]));
      await exited;
    },
  };
  return c;
}

/** Flags of both servers: a primary that streams its WAL, a standby that answers reads. */
const FLAGS = ["-c", "wal_level=replica", "-c", "max_wal_senders=5", "-c", "hot_standby=on", "-c", "fsync=off"];

/** initdb and start a primary in `root`/primary: WAL for replicas, replication allowed from 127.0.0.1. */
export async function startPrimary(root: string): Promise<Cluster> {
  const dataDir = path.join(root, "primary");
  await run(...command("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]));
  await fs.appendFile(path.join(dataDir, "pg_hba.conf"), "\n# streaming replicas (pg_basebackup -R)\nhost replication postgres 127.0.0.1/32 trust\n");
  const primary = cluster(root, dataDir, await freePort(), FLAGS);
  await primary.start();
  return primary;
}

/** `pg_basebackup -R` of `primary` into `root`/`name`, started as a hot standby on its own port. */
export async function startReplica(primary: Cluster, root: string, name = "replica"): Promise<Cluster> {
  const dataDir = path.join(root, name);
  await run(...command("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", dataDir, "-R", "-X", "stream", "-c", "fast"]));
  const replica = cluster(root, dataDir, await freePort(), FLAGS);
  await replica.start();
  return replica;
}

import crypto from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { env } from "../utils/env.server";

/**
 * Where files live (attachments, generated letters): DATA_DIR/files/<key>. Keys are opaque
 * paths made here; the interface (put/read/remove/pathOf) could point at object storage later.
 * Stored files are read and written only through this module (the code's own files — fonts,
 * the build — are not stored files). One exception: a letter is written by its generator
 * (letter-generate.server.ts) at pathOf(key), streamed to a partial file then renamed.
 */
function root() {
  return path.join(env().DATA_DIR, "files");
}

function resolveKey(key: string) {
  if (!/^[a-z0-9/_.-]+$/i.test(key) || key.includes("..")) throw new Error("invalid storage key");
  return path.join(root(), key);
}

export function newKey(prefix: string, extension: string) {
  return `${prefix}/${crypto.randomBytes(16).toString("hex")}${extension}`;
}

/** Test hook: the write under putFile (replaced to simulate a full disk). */
export const storageIo = { writeFile: (file: string, data: Uint8Array) => fs.writeFile(file, data) };

/**
 * Writes the file whole or not at all: into `<key>.<pid>.tmp`, then renamed. On any failure
 * (a full disk, a quota) the temporary file is removed and the error goes on; `isDiskFull`
 * tells the caller it was the disk.
 */
export async function putFile(key: string, data: Buffer | Uint8Array): Promise<void> {
  const target = resolveKey(key);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await storageIo.writeFile(temp, data);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** The disk (or the user's quota) is full: ENOSPC, EDQUOT. */
export function isDiskFull(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error.code === "ENOSPC" || error.code === "EDQUOT");
}

/** A `.tmp` file older than this was left by a process that stopped mid-write. */
export const STALE_TEMP_MS = 10 * 60_000;

/**
 * Removes the `*.tmp` files under DATA_DIR/files that are older than `olderThanMs` (left by a
 * crash or a full disk; a write in progress is younger). Returns how many were removed.
 * Run at start-up (server/prepare-data.ts).
 */
export async function removeStaleTemp(olderThanMs = STALE_TEMP_MS, now = Date.now()): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && entry.name.endsWith(".tmp")) {
        const stat = await fs.stat(full).catch(() => null);
        if (stat && now - stat.mtimeMs > olderThanMs) {
          await fs.rm(full, { force: true });
          removed++;
        }
      }
    }
  };
  await walk(root());
  return removed;
}

export function pathOf(key: string): string {
  return resolveKey(key);
}

export function readFileStream(key: string): Readable {
  return createReadStream(resolveKey(key));
}

export async function readFileBuffer(key: string): Promise<Buffer> {
  return fs.readFile(resolveKey(key));
}

/** Copies a stored file out of storage, to a path of the operator's (`npm run letter -- --out`). */
export async function copyFileOut(key: string, target: string): Promise<void> {
  await fs.copyFile(resolveKey(key), target);
}

export async function removeFile(key: string): Promise<void> {
  await fs.rm(resolveKey(key), { force: true });
}

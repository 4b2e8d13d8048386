import crypto from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { env } from "../utils/env.server";

/**
 * Where files live (attachments, generated letters): DATA_DIR/files/<key>. Keys are opaque
 * paths made here; the interface (put/read/remove/pathOf) could point at object storage later.
 */
function root() {
  return path.join(env().DATA_DIR, "files");
}

function resolveKey(key: string) {
  if (!/^[a-z0-9/_.-]+$/i.test(key) || key.includes("..")) throw new Error("bad storage key");
  return path.join(root(), key);
}

export function newKey(prefix: string, extension: string) {
  return `${prefix}/${crypto.randomBytes(16).toString("hex")}${extension}`;
}

export async function putFile(key: string, data: Buffer | Uint8Array): Promise<void> {
  const target = resolveKey(key);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  await fs.writeFile(temp, data);
  await fs.rename(temp, target);
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

export async function removeFile(key: string): Promise<void> {
  await fs.rm(resolveKey(key), { force: true });
}

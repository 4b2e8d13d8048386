import { execFile, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { databaseUrl } from "../../db/client";
import type { Disclosure } from "../../db/schema";

// Before anything reads the configuration: letters go to a throwaway DATA_DIR.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "appeals-letters-"));
process.env.DATA_DIR = dataDir;

/**
 * A disk that fills up mid-write: any file written under a folder named "disk-full" accepts its
 * first 16 KB, then fails with ENOSPC, as a full disk does. Everything else is the real fs.
 */
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const { Writable } = await import("node:stream");
  const nodePath = await import("node:path");
  const createWriteStream: typeof real.createWriteStream = (file, options) => {
    const stream = real.createWriteStream(file, options);
    if (typeof file !== "string" || !file.split(nodePath.sep).includes("disk-full")) return stream;
    let written = 0;
    const full = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        if (written <= 16 * 1024) return stream.write(chunk, done);
        stream.write(chunk.subarray(0, chunk.length - (written - 16 * 1024)), () =>
          done(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" })),
        );
      },
      final(done) {
        stream.end(done);
      },
      destroy(error, done) {
        stream.destroy();
        stream.once("close", () => done(error));
      },
    });
    return Object.assign(full, { path: file, bytesWritten: 0, pending: false, close: stream.close.bind(stream) });
  };
  return { ...real, createWriteStream, default: { ...real, createWriteStream } };
});

const { action: verifyAction } = await import("../routes/verify.$code");
const { action: lettersAction } = await import("../routes/dashboard.appeals.$id.letters");
const { loader: downloadLoader } = await import("../routes/dashboard.appeals.$id.letters.$letterId[.]pdf");
const { loader: zipLoader } = await import("../routes/dashboard.appeals.$id.letters[.]zip");
const { loader: signedLoader } = await import("../routes/letters.$code[.]pdf");
const { parseEnv, setEnv, env } = await import("../utils/env.server");
const { AppError } = await import("../utils/errors");
const { addAddressee, createAppeal, publish, saveVersion } = await import("./appeals.server");
const { addAttachment } = await import("./attachments.server");
const { generateLetter } = await import("./letter-generate.server");
const letters = await import("./letters.server");
const { pathOf } = await import("./storage.server");
const { withdrawSignature } = await import("./signing.server");

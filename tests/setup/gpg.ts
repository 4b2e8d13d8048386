import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Debian's gpg in a throwaway GNUPGHOME (under the OS temp dir, mode 0700), for tests that check
 * what the app encrypts with a real OpenPGP client. Keys are ed25519/cv25519 (`future-default`:
 * quick to make on a loaded machine) without a passphrase. `remove()` stops its agent and deletes
 * the directory.
 */
export interface Gpg {
  home: string;
  /** Makes a key (`expire`: gpg's expiry, e.g. "never", "seconds=1"); returns its fingerprint. */
  generate(userId: string, options?: { usage?: string; expire?: string; algo?: string }): Promise<string>;
  exportPublic(fingerprint: string, armor?: boolean): Promise<Buffer>;
  exportSecret(fingerprint: string): Promise<Buffer>;
  /** Imports the revocation certificate gpg made with the key: the key is revoked from now on. */
  revoke(fingerprint: string): Promise<void>;
  /** Decrypts an OpenPGP message (a file) with the secret keys of this home; the plain bytes. */
  decrypt(file: string): Promise<Buffer>;
  remove(): Promise<void>;
}

export async function throwawayGpg(): Promise<Gpg> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), "gpg-"));
  await fs.chmod(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = async (args: string[], input?: Buffer) => {
    const child = run("gpg", ["--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "", ...args], {
      env,
      encoding: "buffer",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 120_000,
    });
    if (input) {
      child.child.stdin?.end(input);
    }
    return (await child).stdout;
  };
  return {
    home,
    async generate(userId, options = {}) {
      await gpg(["--quick-gen-key", userId, options.algo ?? "future-default", options.usage ?? "default", options.expire ?? "never"]);
      const listing = (await gpg(["--with-colons", "--list-keys", userId])).toString("utf8");
      const fpr = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(listing)?.[1];
      if (!fpr) throw new Error(`gpg made no key for ${userId}`);
      return fpr;
    },
    exportPublic: (fingerprint, armor = true) => gpg([...(armor ? ["--armor"] : []), "--export", fingerprint]),
    exportSecret: (fingerprint) => gpg(["--armor", "--export-secret-keys", fingerprint]),
    async revoke(fingerprint) {
      // gpg prefixes the certificate's armor with ":" so it is not imported by accident.
      const certificate = await fs.readFile(path.join(home, "openpgp-revocs.d", `${fingerprint}.rev`), "utf8");
      await gpg(["--import"], Buffer.from(certificate.replace(/^:-----/m, "-----")));
    },
    decrypt: (file) => gpg(["--decrypt", file]),
    async remove() {
      await run("gpgconf", ["--kill", "all"], { env }).catch(() => undefined);
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}

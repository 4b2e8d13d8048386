import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { throwawayGpg, type Gpg } from "../../tests/setup/gpg";
import { AppError } from "../utils/errors";
import { encryptLetter, MAX_OPENPGP_KEY_BYTES, readPublicKey } from "./openpgp.server";

/**
 * Keys made by Debian's gpg, checked by openpgp.js the way the addressees form and the
 * organization page check them; letters encrypted by openpgp.js, decrypted by gpg.
 */

let addressee: Gpg;
let organization: Gpg;
let keys: { addressee: string; organization: string; signOnly: string; expired: string; revoked: string };
let dir: string;

const sha256 = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");

async function refusal(input: string | Uint8Array): Promise<string> {
  try {
    await readPublicKey(input);
  } catch (error) {
    if (error instanceof AppError) return `${error.code}:${error.messageKey}:${error.field}`;
    throw error;
  }
  return "accepted";
}

beforeAll(async () => {
  addressee = await throwawayGpg();
  organization = await throwawayGpg();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "openpgp-test-"));
  keys = {
    addressee: await addressee.generate("Addressee <addressee@example.test>"),
    organization: await organization.generate("Organization <org@example.test>"),
    signOnly: await addressee.generate("Sign only <sign@example.test>", { algo: "ed25519", usage: "sign" }),
    expired: await addressee.generate("Expired <expired@example.test>", { expire: "seconds=1" }),
    revoked: await addressee.generate("Revoked <revoked@example.test>"),
  };
  await addressee.revoke(keys.revoked);
  // The expired key's second passes while the others are made; wait for it if not.
  await new Promise((r) => setTimeout(r, 1500));
}, 180_000);

afterAll(async () => {
  await addressee?.remove();
  await organization?.remove();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("readPublicKey", () => {
  it("accepts an armored and a binary export of the same key, with gpg's fingerprint", async () => {
    const armored = await readPublicKey((await addressee.exportPublic(keys.addressee)).toString("utf8"));
    expect(armored.fingerprint).toBe(keys.addressee);
    expect(armored.armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const binary = await readPublicKey(await addressee.exportPublic(keys.addressee, false));
    expect(binary.fingerprint).toBe(keys.addressee);
    // An uploaded .asc file arrives as bytes.
    expect((await readPublicKey(await addressee.exportPublic(keys.addressee))).fingerprint).toBe(keys.addressee);
  });

  it("refuses what cannot take a letter, each with its own message on the key's field", async () => {
    expect(await refusal("hello")).toBe("bad_request:openpgp.unreadable:openpgpKey");
    expect(await refusal(new Uint8Array([1, 2, 3, 4]))).toBe("bad_request:openpgp.unreadable:openpgpKey");
    expect(await refusal("x".repeat(MAX_OPENPGP_KEY_BYTES + 1))).toBe("too_large:openpgp.tooLarge:openpgpKey");
    expect(await refusal((await addressee.exportPublic(keys.signOnly)).toString())).toBe("bad_request:openpgp.cannotEncrypt:openpgpKey");
    expect(await refusal((await addressee.exportPublic(keys.expired)).toString())).toBe("bad_request:openpgp.expired:openpgpKey");
    expect(await refusal((await addressee.exportPublic(keys.revoked)).toString())).toBe("bad_request:openpgp.revoked:openpgpKey");
    expect(await refusal((await addressee.exportSecret(keys.addressee)).toString())).toBe("bad_request:openpgp.private:openpgpKey");
    const two = Buffer.concat([await addressee.exportPublic(keys.addressee, false), await organization.exportPublic(keys.organization, false)]);
    expect(await refusal(two)).toBe("bad_request:openpgp.several:openpgpKey");
  });
});

describe("encryptLetter", () => {
  it("gives a message gpg decrypts, with either key, to the very bytes (bytes and stream alike)", async () => {
    const letter = crypto.randomBytes(300_000);
    const to = [
      (await readPublicKey((await addressee.exportPublic(keys.addressee)).toString())).armored,
      (await readPublicKey((await organization.exportPublic(keys.organization)).toString())).armored,
    ];
    const whole = await encryptLetter(letter, to, "letter.pdf");
    const file = path.join(dir, "letter.pdf.gpg");
    await fs.writeFile(file, whole);
    expect(sha256(await addressee.decrypt(file))).toBe(sha256(letter));
    expect(sha256(await organization.decrypt(file))).toBe(sha256(letter));

    const input = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < letter.length; i += 65536) controller.enqueue(letter.subarray(i, i + 65536));
        controller.close();
      },
    });
    const streamed = await encryptLetter(input, to.slice(0, 1), "letter.pdf");
    await fs.writeFile(file, Buffer.from(await new Response(streamed).arrayBuffer()));
    expect(sha256(await addressee.decrypt(file))).toBe(sha256(letter));
    await expect(organization.decrypt(file)).rejects.toThrow();
  });

  it("encrypts a large letter as it is read: memory grows by less than the letter's size", async () => {
    const to = [(await readPublicKey((await addressee.exportPublic(keys.addressee)).toString())).armored];
    const total = 192 * 1024 * 1024;
    const block = new Uint8Array(1024 * 1024).fill(7);
    let sent = 0;
    const input = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (sent >= total) controller.close();
          else {
            sent += block.length;
            controller.enqueue(block.slice());
          }
        },
      },
      { highWaterMark: 1 },
    );
    const before = process.memoryUsage().rss;
    let peak = before;
    let out = 0;
    const reader = (await encryptLetter(input, to, "letter.pdf")).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out += value.length;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(out).toBeGreaterThan(total);
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
  }, 120_000);
});

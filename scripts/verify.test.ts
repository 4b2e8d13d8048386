import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeLeaf } from "../app/ledger/leaf";
import { encodeReceipt } from "../app/ledger/receipt";
import { certificateFingerprint, createSigningIdentity, type SigningIdentity } from "../app/pdf/signing-identity.server";
import { makeLetter, type Entry } from "../app/verify/test-letters.server";

/**
 * `npm run verify` as a reader runs it, on letters made as the contract says a delivered letter is:
 * exit 0 and "VALID" only when everything holds; otherwise one "FAIL" line per failure and exit 1;
 * a bad argument exits 2 with one line; never a stack trace.
 */

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function verify(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "verify", "--", ...args], { stdio: ["ignore", "pipe", "pipe"] });
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
}

const noStack = (r: Result) => expect(r.stdout + r.stderr).not.toMatch(/^\s+at |Error:/m);

let dir: string;
let identity: SigningIdentity;
let list: Entry[];
let earlier: string;
let later: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-cli-"));
  identity = createSigningIdentity("Қазақстан құқық қорғаушылары");
  list = Array.from({ length: 20 }, (_, i) => ({
    fields: { name: `Дәурен Сейітов ${i}`, city: "Шымкент", country: "KZ", organization: null, position: null, confirmed: "2026-11-20", revision: 1 },
    salt: crypto.createHash("sha256").update(`cli ${i}`).digest(),
  }));
  earlier = path.join(dir, "earlier.pdf");
  later = path.join(dir, "later.pdf");
  await makeLetter(earlier, { lang: "kk", code: "KK01-AAAA", entries: list.slice(0, 12), identity });
  await makeLetter(later, { lang: "kk", code: "KK02-BBBB", entries: list, identity });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run verify", () => {
  it("a valid letter with a receipt, an earlier letter and the expected fingerprint: exit 0", async () => {
    const e = list[15];
    if (!e || !("fields" in e)) throw new Error("fixture");
    const receipt = encodeReceipt({ slug: "rights-kz", index: 15, leaf: encodeLeaf(e.fields, e.salt) });
    const fingerprint = certificateFingerprint(identity.certificate);
    const r = await verify([later, "--receipt", receipt, "--earlier", earlier, "--fingerprint", fingerprint]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`certificate SHA-256 fingerprint: ${fingerprint}`);
    expect(r.stdout).toContain(`file SHA-256: ${crypto.createHash("sha256").update(fs.readFileSync(later)).digest("hex")}`);
    expect(r.stdout).toContain("signed by: CN=Қазақстан құқық қорғаушылары, O=Қазақстан құқық қорғаушылары");
    expect(r.stdout).toContain("ok   receipt: included in letter KK02-BBBB as entry 16 of 20");
    expect(r.stdout).toContain("ok   consistency: this letter (20 entries) extends the earlier letter KK01-AAAA (12 entries)");
    expect(r.stdout).toMatch(/^VALID: all \d+ checks held\.$/m);
    expect(r.stdout).not.toContain("FAIL");
  }, 90_000);

  it("one changed byte, a forged receipt, a reversed pair: exit 1, one FAIL line each", async () => {
    const bytes = fs.readFileSync(later);
    const changed = path.join(dir, "changed.pdf");
    const at = bytes.indexOf("stream\n", 1000) + 30;
    bytes[at] = (bytes[at] ?? 0) ^ 0x20;
    fs.writeFileSync(changed, bytes);
    const r1 = await verify([changed]);
    expect(r1.code).toBe(1);
    expect(r1.stdout.split("\n").filter((l) => l.startsWith("FAIL"))).toEqual([
      "FAIL signature: the document was changed after signing (the signed digest differs from the SHA-256 of the signed bytes)",
    ]);
    expect(r1.stdout).toMatch(/^NOT VALID: 1 check failed, \d+ held\.$/m);
    noStack(r1);

    const e = list[3];
    if (!e || !("fields" in e)) throw new Error("fixture");
    const forged = encodeReceipt({ slug: "rights-kz", index: 3, leaf: encodeLeaf({ ...e.fields, name: "Someone Else" }, e.salt) });
    const r2 = await verify([later, "--receipt", forged, "--earlier", later.replace("later", "earlier")]);
    expect(r2.code).toBe(1);
    expect(r2.stdout.split("\n").filter((l) => l.startsWith("FAIL"))).toEqual([
      "FAIL receipt: refused: entry 3 of the letter is another leaf (an altered or forged receipt, or another appeal's)",
    ]);

    const r3 = await verify([earlier, "--earlier", later]);
    expect(r3.code).toBe(1);
    expect(r3.stdout).toContain("FAIL consistency: the earlier letter KK02-BBBB has more entries (20) than this one (12): it is not earlier");
  }, 120_000);

  it("malformed files and bad arguments: one line, never a stack trace", async () => {
    const garbage = path.join(dir, "garbage.pdf");
    fs.writeFileSync(garbage, crypto.randomBytes(3000));
    const truncated = path.join(dir, "truncated.pdf");
    fs.writeFileSync(truncated, fs.readFileSync(later).subarray(0, 5000));
    for (const file of [garbage, truncated]) {
      const r = await verify([file]);
      expect(r.code, file).toBe(1);
      expect(
        r.stdout.split("\n").filter((l) => l.startsWith("FAIL")),
        file,
      ).toHaveLength(1);
      expect(r.stdout).toMatch(/^FAIL pdf: not a readable PDF: /m);
      noStack(r);
    }
    const missing = await verify([path.join(dir, "nope.pdf")]);
    expect(missing.code).toBe(1);
    expect(missing.stdout.trim()).toBe(`FAIL letter: cannot read ${path.join(dir, "nope.pdf")} (no such file)`);

    for (const args of [[], [later, later], [later, "--bogus"], [later, "--fingerprint", "12:34"]]) {
      const r = await verify(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toContain("Usage: npm run verify -- <letter.pdf>");
      noStack(r);
    }
  }, 120_000);
});

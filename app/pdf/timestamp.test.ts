import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalTsa, type LocalTsa } from "../../tests/setup/local-tsa";
import { renderLetter, type LetterSignatory } from "./render.server";
import { signPdfFile } from "./sign.server";
import { createSigningIdentity } from "./signing-identity.server";
import { httpTimestamper } from "./timestamp.server";

/**
 * PAdES B-T against a local time-stamp authority (tests/setup/local-tsa.ts: `openssl ts -reply`
 * behind an HTTP server on 127.0.0.1, with its own root and a TSA certificate).
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsa-test-"));
const at = (name: string) => path.join(tmp, name);
let tsa: LocalTsa;
let url = "";

beforeAll(async () => {
  tsa = await startLocalTsa();
  url = tsa.url;
});

afterAll(async () => {
  await tsa.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function* rows(count: number): AsyncGenerator<LetterSignatory> {
  for (let i = 0; i < count; i++)
    yield { name: `Signer ${i + 1}`, city: null, country: null, organization: null, position: null, confirmedAt: new Date(Date.UTC(2025, 0, 1)), revision: 1 };
}

async function render(name: string): Promise<string> {
  const file = at(name);
  const generatedAt = new Date("2025-03-05T10:00:00Z");
  const input = {
    lang: "en",
    originalLanguage: "en",
    organization: "Test Org",
    generatedAt,
    snapshotId: "tsa",
    title: "An open letter",
    bodyMarkdown: "Dear Sir or Madam,",
    addressees: [],
    revision: 1,
    appealUrl: "https://appeals.example.org/a/x",
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify",
    count: 10,
  };
  await renderLetter(input, rows(10), fs.createWriteStream(file), { signature: { signedAt: generatedAt, name: "Test Org" } });
  return file;
}

const identity = createSigningIdentity("Test Org");

describe("PAdES B-T (RFC 3161 time-stamp)", () => {
  it("adds a token that openssl ts verifies against the signature value; pdfsig still finds the letter signed whole", async () => {
    tsa.answer = "openssl";
    const file = await render("bt.pdf");
    const { byteRange } = await signPdfFile(file, identity, { timestamp: httpTimestamper(url) });
    const out = execFileSync("pdfsig", [file], { encoding: "utf8" });
    expect(out).toContain("Signature Validation: Signature is Valid.");
    expect(out).toContain("  - Total document signed");

    const hex = fs
      .readFileSync(file)
      .subarray(byteRange[1] + 1, byteRange[2] - 1)
      .toString("latin1");
    const cms = pkijs.ContentInfo.fromBER(new Uint8Array(Buffer.from(hex, "hex")).buffer);
    const signer = new pkijs.SignedData({ schema: cms.content }).signerInfos[0]!;
    const attribute = signer.unsignedAttrs?.attributes.find((a) => a.type === "1.2.840.113549.1.9.16.2.14");
    expect(attribute).toBeDefined();
    fs.writeFileSync(at("token.der"), Buffer.from(new Uint8Array(attribute!.values[0]!.toBER(false))));
    fs.writeFileSync(at("signature.bin"), Buffer.from(signer.signature.valueBlock.valueHexView));
    const verify = execFileSync(
      "openssl",
      ["ts", "-verify", "-data", at("signature.bin"), "-in", at("token.der"), "-token_in", "-CAfile", tsa.rootPem, "-untrusted", tsa.tsaPem],
      { encoding: "utf8" },
    );
    expect(verify).toContain("Verification: OK");
  });

  it("a time-stamp authority that fails or answers garbage fails the signing and leaves the placeholder to sign again", async () => {
    const file = await render("bt-retry.pdf");
    const before = fs.readFileSync(file);
    tsa.answer = "error";
    await expect(signPdfFile(file, identity, { timestamp: httpTimestamper(url) })).rejects.toThrow(/HTTP 503/);
    tsa.answer = "garbage";
    await expect(signPdfFile(file, identity, { timestamp: httpTimestamper(url) })).rejects.toThrow(/not a TimeStampResp/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    tsa.answer = "openssl";
    await signPdfFile(file, identity, { timestamp: httpTimestamper(url) });
    expect(execFileSync("pdfsig", [file], { encoding: "utf8" })).toContain("Signature Validation: Signature is Valid.");
  });
});

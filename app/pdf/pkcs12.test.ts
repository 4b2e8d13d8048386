import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exportPkcs12, importPkcs12, Pkcs12Error } from "./pkcs12.server";
import { renderLetter, type LetterSignatory } from "./render.server";
import { signPdfFile } from "./sign.server";
import { certificateFingerprint, createSigningIdentity } from "./signing-identity.server";

/** PKCS#12 as owners meet it: files made by openssl (as a CA's tools make them), and ours read back by openssl. */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pkcs12-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function fingerprintOf(pemFile: string): string {
  return openssl("x509", "-in", pemFile, "-noout", "-fingerprint", "-sha256").trim().split("=")[1]!;
}

/** A CA and a leaf it issued (P-256), as PEM files. */
function caAndLeaf(): void {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.pem"),
    "-subj",
    "/CN=Test CA",
    "-days",
    "30",
  );
  openssl(
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    at("leaf.key"),
    "-out",
    at("leaf.csr"),
    "-subj",
    "/O=Test Org/CN=Test Org",
  );
  openssl("x509", "-req", "-in", at("leaf.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key"), "-CAcreateserial", "-out", at("leaf.pem"), "-days", "30");
}

async function* rows(count: number): AsyncGenerator<LetterSignatory> {
  for (let i = 0; i < count; i++)
    yield { name: `Signer ${i + 1}`, city: null, country: null, organization: null, position: null, confirmedAt: new Date(Date.UTC(2025, 0, 1)), revision: 1 };
}

describe("PKCS#12", () => {
  it("exports a file openssl opens with the passphrase (not without), and imports it back", async () => {
    const identity = createSigningIdentity("Общественное объединение «Тест»");
    const passphrase = "пароль correct horse";
    const p12 = await exportPkcs12(identity, passphrase);
    fs.writeFileSync(at("ours.p12"), p12);
    const info = spawnSync("openssl", ["pkcs12", "-in", at("ours.p12"), "-passin", `pass:${passphrase}`, "-nodes", "-info"], { encoding: "utf8" });
    expect(info.status).toBe(0);
    expect(info.stderr).toContain("MAC: sha256");
    expect(info.stderr).toContain("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC");
    expect(info.stdout).toContain("-----BEGIN PRIVATE KEY-----");
    const wrong = spawnSync("openssl", ["pkcs12", "-in", at("ours.p12"), "-passin", "pass:wrong", "-nodes"], { encoding: "utf8" });
    expect(wrong.status).not.toBe(0);

    const back = await importPkcs12(p12, passphrase);
    expect(certificateFingerprint(back.certificate)).toBe(certificateFingerprint(identity.certificate));
    expect(back.privateKey.export({ type: "pkcs8", format: "der" }).equals(identity.privateKey.export({ type: "pkcs8", format: "der" }))).toBe(true);
    await expect(importPkcs12(p12, "wrong")).rejects.toThrow(Pkcs12Error);
  });

  it("imports a CA-issued certificate with its chain from an openssl PKCS#12 (AES), and signs a letter pdfsig accepts", async () => {
    caAndLeaf();
    openssl("pkcs12", "-export", "-inkey", at("leaf.key"), "-in", at("leaf.pem"), "-certfile", at("ca.pem"), "-out", at("ca.p12"), "-passout", "pass:secret");
    const identity = await importPkcs12(fs.readFileSync(at("ca.p12")), "secret");
    expect(certificateFingerprint(identity.certificate)).toBe(fingerprintOf(at("leaf.pem")));
    expect(identity.chain.map(certificateFingerprint)).toEqual([fingerprintOf(at("ca.pem"))]);

    const file = at("ca-signed.pdf");
    const input = {
      lang: "en",
      originalLanguage: "en",
      organization: "Test Org",
      generatedAt: new Date("2025-03-05T10:00:00Z"),
      snapshotId: "p12",
      title: "An open letter",
      bodyMarkdown: "Dear Sir or Madam,",
      addressees: [],
      revision: 1,
      appealUrl: "https://appeals.example.org/a/x",
      verificationCode: "7K3Q-9XWD-M2PA",
      verifyUrl: "https://appeals.example.org/verify",
      count: 5,
    };
    await renderLetter(input, rows(5), fs.createWriteStream(file), { signature: { signedAt: input.generatedAt, name: "Test Org" } });
    await signPdfFile(file, identity);
    const out = execFileSync("pdfsig", [file], { encoding: "utf8" });
    expect(out).toContain("Signer Certificate Common Name: Test Org");
    expect(out).toContain("Signature Validation: Signature is Valid.");
  });

  it("refuses a file without a key, and explains a legacy-encrypted one", async () => {
    caAndLeaf();
    openssl("pkcs12", "-export", "-nokeys", "-in", at("leaf.pem"), "-out", at("nokey.p12"), "-passout", "pass:secret");
    await expect(importPkcs12(fs.readFileSync(at("nokey.p12")), "secret")).rejects.toThrow(/no private key/);
    openssl(
      "pkcs12",
      "-export",
      "-inkey",
      at("leaf.key"),
      "-in",
      at("leaf.pem"),
      "-out",
      at("3des.p12"),
      "-passout",
      "pass:secret",
      "-certpbe",
      "PBE-SHA1-3DES",
      "-keypbe",
      "PBE-SHA1-3DES",
    );
    await expect(importPkcs12(fs.readFileSync(at("3des.p12")), "secret")).rejects.toThrow(/re-export with AES-256-CBC/);
    await expect(importPkcs12(Buffer.from("not a pkcs12 file"), "secret")).rejects.toThrow(Pkcs12Error);
  });
});

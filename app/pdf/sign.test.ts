import { execFileSync, spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderCombined, renderLetter, type LetterInput, type LetterSignatory } from "./render.server";
import { signPdfBuffer, signPdfFile } from "./sign.server";
import { certificateFingerprint, createSigningIdentity, keyMatchesCertificate, type SigningIdentity } from "./signing-identity.server";

/**
 * Signed letters checked the way an addressee would: poppler's pdfsig (NSS) for the signature,
 * openssl cms for the CMS itself, qpdf for the file's structure, pdftotext for the text.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "letter-sign-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ORG = "Общественное объединение «Зелёный Алматы»";
const GENERATED = new Date("2025-03-05T10:00:00Z");

function letter(overrides: Partial<LetterInput> = {}): LetterInput {
  return {
    lang: "ru",
    originalLanguage: "ru",
    organization: ORG,
    generatedAt: GENERATED,
    snapshotId: "snapshot-sign",
    title: "Открытое письмо о сохранении здания",
    bodyMarkdown: "Уважаемые господа!\n\nМы просим **немедленно** пересмотреть решение.",
    addressees: [{ name: "Әбілқайыр Сейітов", position: "Министр культуры", institution: "Министерство культуры и информации" }],
    revision: 1,
    appealUrl: "https://appeals.example.org/a/save-abay",
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
    count: 120,
    ...overrides,
  };
}

async function* rows(count: number): AsyncGenerator<LetterSignatory> {
  for (let i = 0; i < count; i++) {
    yield {
      name: `Подписант Номер ${i + 1}`,
      city: "Алматы",
      country: "KZ",
      organization: null,
      position: null,
      confirmedAt: new Date(Date.UTC(2025, 0, 1)),
      revision: 1,
    };
  }
}

const placeholder = { signedAt: GENERATED, name: ORG, reason: "7K3Q-9XWD-M2PA" };

/** Renders a letter with a signature placeholder to a file, as the letter pipeline streams it. */
async function renderToFile(name: string, input = letter()): Promise<string> {
  const file = path.join(tmp, name);
  await renderLetter(input, rows(input.count), fs.createWriteStream(file), { signature: placeholder });
  return file;
}

function pdfsig(file: string): string {
  return execFileSync("pdfsig", [file], { encoding: "utf8" });
}

function copyWith(file: string, name: string, change: (bytes: Buffer) => void): string {
  const bytes = fs.readFileSync(file);
  change(bytes);
  const out = path.join(tmp, name);
  fs.writeFileSync(out, bytes);
  return out;
}

const VALID = "Signature Validation: Signature is Valid.";
const TOTAL = "  - Total document signed";

let ec: SigningIdentity;
let rsa: SigningIdentity;
beforeAll(() => {
  ec = createSigningIdentity(ORG);
  rsa = createSigningIdentity(ORG, { keyType: "rsa" });
});

describe("signed letters (PAdES B-B)", () => {
  it("pdfsig finds one valid ETSI.CAdES.detached signature covering the whole letter; qpdf and pdftotext are content", async () => {
    const file = await renderToFile("ec.pdf");
    const signed = await signPdfFile(file, ec);
    const out = pdfsig(file);
    expect(out).toContain("Signature #1:");
    expect(out).not.toContain("Signature #2:");
    expect(out).toContain(VALID);
    expect(out).toContain(TOTAL);
    expect(out).toContain("Signature Type: ETSI.CAdES.detached");
    expect(out).toContain("Signing Hash Algorithm: SHA-256");
    expect(out).toContain(`Signer Certificate Common Name: ${ORG}`);
    expect(out).toContain("Signing Time: Mar 05 2025 10:00:00");
    // A self-signed certificate is not trusted by NSS; that is expected and separate from validity.
    expect(out).toContain("Certificate Validation: Certificate issuer isn't Trusted.");

    const size = fs.statSync(file).size;
    expect(signed.fileSha256).toBe(createHash("sha256").update(fs.readFileSync(file)).digest("hex"));
    expect(signed.byteRange[0]).toBe(0);
    expect(signed.byteRange[2] + signed.byteRange[3]).toBe(size);
    expect(out).toContain(`Signed Ranges: [0 - ${signed.byteRange[1]}], [${signed.byteRange[2]} - ${size}]`);

    expect(execFileSync("qpdf", ["--check", file], { encoding: "utf8" })).toContain("No syntax or stream encoding errors found");
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    expect(text).toContain("Открытое письмо о сохранении здания");
    expect(text).toContain("Подписант Номер 120");
  });

  it("one changed byte anywhere outside the signature makes pdfsig report a digest mismatch; appended bytes make it partial", async () => {
    const file = await renderToFile("tamper.pdf");
    const { byteRange } = await signPdfFile(file, ec);
    const size = fs.statSync(file).size;
    // The header, the ByteRange itself, the first byte after /Contents, the middle of the tail, the last byte.
    const positions = [5, byteRange[1] - 40, byteRange[2], byteRange[2] + Math.floor(byteRange[3] / 2), size - 2];
    for (const [i, at] of positions.entries()) {
      const flipped = copyWith(file, `flip-${i}.pdf`, (b) => {
        b[at] = b[at]! ^ 0x01;
      });
      const out = spawnSync("pdfsig", [flipped], { encoding: "utf8" });
      expect(out.stdout, `byte ${at} of ${size}`).not.toContain(VALID);
    }
    const appended = copyWith(file, "appended.pdf", () => undefined);
    fs.appendFileSync(appended, "\n% appended after signing\n");
    const out = pdfsig(appended);
    expect(out).toContain("Not total document signed");
  });

  it("signs with an RSA-3072 key too (an uploaded PKCS#12), and openssl cms verifies the CMS: no signing-time, signing-certificate-v2 present", async () => {
    const file = await renderToFile("rsa.pdf");
    const { byteRange } = await signPdfFile(file, rsa);
    expect(pdfsig(file)).toContain(VALID);

    const bytes = fs.readFileSync(file);
    const hex = bytes.subarray(byteRange[1] + 1, byteRange[2] - 1).toString("latin1");
    const cms = Buffer.from(hex, "hex");
    const cmsFile = path.join(tmp, "rsa.p7s");
    const contentFile = path.join(tmp, "rsa.content");
    fs.writeFileSync(cmsFile, cms);
    fs.writeFileSync(contentFile, Buffer.concat([bytes.subarray(0, byteRange[1]), bytes.subarray(byteRange[2])]));
    const certFile = path.join(tmp, "rsa.crt");
    fs.writeFileSync(certFile, new X509Certificate(rsa.certificate).toString());
    const verify = spawnSync(
      "openssl",
      ["cms", "-verify", "-binary", "-inform", "der", "-in", cmsFile, "-content", contentFile, "-CAfile", certFile, "-out", "/dev/null"],
      {
        encoding: "utf8",
      },
    );
    expect(verify.stderr).toContain("CMS Verification successful");
    const printed = execFileSync("openssl", ["cms", "-cmsout", "-print", "-inform", "der", "-in", cmsFile], { encoding: "utf8" });
    expect(printed).toContain("id-smime-aa-signingCertificateV2");
    expect(printed).toContain("messageDigest");
    expect(printed).not.toContain("signingTime");
  });

  it("a combined letter signs the same way; signing in memory gives the same bytes as signing the file", async () => {
    const file = path.join(tmp, "combined.pdf");
    const parts = [letter({ count: 30 }), letter({ lang: "kk", count: 30, title: "Ашық хат" })].map((input) => ({ input, rows: () => rows(input.count) }));
    await renderCombined(parts, fs.createWriteStream(file), { signature: placeholder });
    const unsigned = fs.readFileSync(file);
    const inMemory = await signPdfBuffer(unsigned, ec);
    await signPdfFile(file, ec);
    // ECDSA signatures are randomized: compare everything but /Contents.
    const onDisk = fs.readFileSync(file);
    const [, a, b] = inMemory.byteRange;
    expect(onDisk.subarray(0, a).equals(inMemory.pdf.subarray(0, a))).toBe(true);
    expect(onDisk.subarray(b).equals(inMemory.pdf.subarray(b))).toBe(true);
    expect(unsigned.equals(inMemory.pdf)).toBe(false);
    const out = pdfsig(file);
    expect(out).toContain(VALID);
    expect(out).toContain(TOTAL);
  });

  it("refuses a letter without a placeholder, and a letter already signed", async () => {
    const plain = path.join(tmp, "plain.pdf");
    const input = letter({ count: 3 });
    await renderLetter(input, rows(3), fs.createWriteStream(plain));
    await expect(signPdfFile(plain, ec)).rejects.toThrow(/no signature placeholder/);
    const file = await renderToFile("twice.pdf", input);
    await signPdfFile(file, ec);
    await expect(signPdfFile(file, ec)).rejects.toThrow(/no signature placeholder|already signed/);
    expect(pdfsig(file)).toContain(VALID);
  });
  it("an addressee who adds the certificate to an NSS database as a trust anchor gets 'Certificate is Trusted.' from pdfsig", async () => {
    const file = await renderToFile("trusted.pdf", letter({ count: 3 }));
    await signPdfFile(file, ec);
    const certFile = path.join(tmp, "anchor.pem");
    fs.writeFileSync(certFile, new X509Certificate(ec.certificate).toString());
    const nss = path.join(tmp, "nssdb");
    fs.mkdirSync(nss);
    execFileSync("certutil", ["-N", "-d", `sql:${nss}`, "--empty-password"]);
    execFileSync("certutil", ["-A", "-d", `sql:${nss}`, "-n", "letter signer", "-t", "CT,C,C", "-i", certFile]);
    const out = execFileSync("pdfsig", ["-nssdir", `sql:${nss}`, file], { encoding: "utf8" });
    expect(out).toContain(VALID);
    expect(out).toContain("Certificate Validation: Certificate is Trusted.");
  });
});

describe("signing identity", () => {
  it("is a self-signed certificate naming the organization, with the SHA-256 fingerprint openssl prints", () => {
    const certFile = path.join(tmp, "ec.crt");
    fs.writeFileSync(certFile, new X509Certificate(ec.certificate).toString());
    const printed = execFileSync("openssl", ["x509", "-in", certFile, "-noout", "-subject", "-fingerprint", "-sha256", "-nameopt", "utf8"], {
      encoding: "utf8",
    });
    expect(printed).toContain(`CN=${ORG}`);
    expect(printed).toContain(`sha256 Fingerprint=${certificateFingerprint(ec.certificate)}`);
    expect(certificateFingerprint(ec.certificate)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(keyMatchesCertificate(ec.privateKey, ec.certificate)).toBe(true);
    expect(keyMatchesCertificate(rsa.privateKey, ec.certificate)).toBe(false);
    const verify = spawnSync("openssl", ["verify", "-CAfile", certFile, certFile], { encoding: "utf8" });
    expect(verify.stdout).toContain(": OK");
  });
});

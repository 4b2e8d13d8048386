import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderLetter, type LetterSignatory } from "./render.server";
import { signPdfFile } from "./sign.server";
import { createSigningIdentity } from "./signing-identity.server";
import { httpTimestamper } from "./timestamp.server";

/**
 * PAdES B-T against a local time-stamp authority: `openssl ts -reply` behind an HTTP server on
 * 127.0.0.1, with its own root and a TSA certificate (extendedKeyUsage critical timeStamping).
 */

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsa-test-"));
const at = (name: string) => path.join(tmp, name);

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
}

let server: http.Server;
let url = "";
let answer: "openssl" | "garbage" | "error" = "openssl";

beforeAll(async () => {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    at("root.key"),
    "-out",
    at("root.pem"),
    "-subj",
    "/CN=Test TSA Root",
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
    at("tsa.key"),
    "-out",
    at("tsa.csr"),
    "-subj",
    "/CN=Test TSA",
  );
  fs.writeFileSync(at("tsa.ext"), "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n");
  openssl(
    "x509",
    "-req",
    "-in",
    at("tsa.csr"),
    "-CA",
    at("root.pem"),
    "-CAkey",
    at("root.key"),
    "-CAcreateserial",
    "-out",
    at("tsa.pem"),
    "-days",
    "30",
    "-extfile",
    at("tsa.ext"),
  );
  fs.writeFileSync(
    at("tsa.cnf"),
    [
      "[tsa]",
      "default_tsa = local",
      "[local]",
      `dir = ${tmp}`,
      "serial = $dir/tsa.serial",
      "signer_cert = $dir/tsa.pem",
      "certs = $dir/tsa.pem",
      "signer_key = $dir/tsa.key",
      "signer_digest = sha256",
      "default_policy = 1.3.6.1.4.1.99999.1",
      "digests = sha256",
      "accuracy = secs:1",
      "ordering = no",
      "tsa_name = yes",
      "ess_cert_id_chain = no",
      "ess_cert_id_alg = sha256",
      "",
    ].join("\n"),
  );
  fs.writeFileSync(at("tsa.serial"), "01\n");

  let n = 0;
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (answer === "error") return void res.writeHead(503).end();
      if (answer === "garbage") return void res.writeHead(200, { "Content-Type": "application/timestamp-reply" }).end("not a reply");
      const query = at(`q${++n}.tsq`);
      const reply = at(`r${n}.tsr`);
      fs.writeFileSync(query, Buffer.concat(chunks));
      run("openssl", ["ts", "-reply", "-config", at("tsa.cnf"), "-queryfile", query, "-out", reply]).then(
        () => res.writeHead(200, { "Content-Type": "application/timestamp-reply" }).end(fs.readFileSync(reply)),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the TSA server has no port");
  url = `http://127.0.0.1:${address.port}/tsa`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
    answer = "openssl";
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
      ["ts", "-verify", "-data", at("signature.bin"), "-in", at("token.der"), "-token_in", "-CAfile", at("root.pem"), "-untrusted", at("tsa.pem")],
      { encoding: "utf8" },
    );
    expect(verify).toContain("Verification: OK");
  });

  it("a time-stamp authority that fails or answers garbage fails the signing and leaves the placeholder to sign again", async () => {
    const file = await render("bt-retry.pdf");
    const before = fs.readFileSync(file);
    answer = "error";
    await expect(signPdfFile(file, identity, { timestamp: httpTimestamper(url) })).rejects.toThrow(/HTTP 503/);
    answer = "garbage";
    await expect(signPdfFile(file, identity, { timestamp: httpTimestamper(url) })).rejects.toThrow(/not a TimeStampResp/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    answer = "openssl";
    await signPdfFile(file, identity, { timestamp: httpTimestamper(url) });
    expect(execFileSync("pdfsig", [file], { encoding: "utf8" })).toContain("Signature Validation: Signature is Valid.");
  });
});

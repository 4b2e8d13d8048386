import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { startLocalTsa, type LocalTsa } from "../../tests/setup/local-tsa";
import { getDb } from "../../tests/setup/vitest-db";
import { translator } from "../i18n";
import { exportPkcs12 } from "../pdf/pkcs12.server";
import { createSigningIdentity } from "../pdf/signing-identity.server";
import { action as orgAction, loader as orgLoader } from "../routes/dashboard.orgs.$orgId";
import { action as verifyAction } from "../routes/verify.$code";
import { env, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { addAddressee, createAppeal, publish, saveVersion } from "./appeals.server";
import { generateNow } from "./letter-pipeline.server";
import { requestLetters, verification } from "./letters.server";
import { activeSigningIdentity, decryptPrivateKey, rotateSigningIdentity, SigningKeyError } from "./signing-identity.server";
import { pathOf } from "./storage.server";

/**
 * Signed letters as an addressee checks them: letters generated through the real pipeline
 * (requestLetters → generateNow: claim, lock, generate, mark ready), then checked with poppler's
 * pdfsig and openssl, compared with what /verify and the organization page show.
 */

const { dataDir } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/appeals-signing-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return { dataDir: dir };
});

const tmp = path.join(dataDir, "checks");
const ORG = "Общественное объединение «Зелёный Алматы»";
const VALID = "Signature Validation: Signature is Valid.";
let tsa: LocalTsa;

beforeAll(async () => {
  fs.mkdirSync(tmp, { recursive: true });
  tsa = await startLocalTsa();
});

afterAll(async () => {
  await tsa.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

let seq = 0;
async function publishedAppeal(organization = ORG) {
  const owner = await newOrganization(organization);
  const id = await createAppeal(owner.userId, {
    organizationId: owner.organizationId,
    slug: `signed-${++seq}-${crypto.randomBytes(3).toString("hex")}`,
    originalLanguage: "ru",
    title: "Чистый воздух",
  });
  await saveVersion(id, owner.userId, "ru", { title: "Чистый воздух", summary: "Просим.", body: "Уважаемый министр!\n\nПросим принять меры." });
  await saveVersion(id, owner.userId, "en", { title: "Clean air", summary: "We ask.", body: "Dear Minister,\n\nplease act." });
  await addAddressee(id, owner.userId, null, {
    ru: { name: "Министр", position: "Министр", institution: "Министерство" },
    en: { name: "The Minister", position: "Minister", institution: "Ministry" },
  });
  await publish(id, owner.userId);
  await getDb()
    .insertInto("signatures")
    .values(
      ["Айгерім Сейітқалиева", "Zofia Łukasiewicz", "Jürgen Weiß"].map((name, i) => ({
        appeal_id: id,
        revision: 1,
        lang: "ru",
        status: "confirmed" as const,
        name,
        disclosure: "public" as const,
        email: `s${seq}-${i}@mail.example`,
        email_key: `s${seq}-${i}@mail.example`,
        confirmed_at: new Date(Date.UTC(2025, 1, 1 + i)),
      })),
    )
    .execute();
  return { id, owner };
}

async function letterOf(appealId: number, userId: number, request: { lang: string } | { combined: true } = { lang: "ru" }) {
  const [id] = await requestLetters(appealId, userId, request);
  const result = await generateNow(id!);
  const row = await getDb().selectFrom("letters").selectAll().where("id", "=", id!).executeTakeFirstOrThrow();
  return { ...result, row, file: pathOf(result.storageKey) };
}

function pdfsig(file: string): string {
  // pdfsig exits 0 whatever it finds: the text is what counts.
  return spawnSync("pdfsig", [file], { encoding: "utf8" }).stdout;
}

/** The signer's certificate as the PDF carries it: `pdfsig -dump` writes the CMS, openssl takes its certificates apart. */
function signerCertificate(file: string, commonName: string): { pem: string; opensslFingerprint: string; subject: string } {
  const dir = fs.mkdtempSync(path.join(tmp, "dump-"));
  execFileSync("pdfsig", ["-dump", path.resolve(file)], { cwd: dir });
  const dumped = fs.readdirSync(dir).filter((f) => f.endsWith(".sig0"));
  expect(dumped).toHaveLength(1);
  const pems = execFileSync("openssl", ["pkcs7", "-inform", "DER", "-in", path.join(dir, dumped[0]!), "-print_certs"], { encoding: "utf8" }).match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g,
  );
  for (const pem of pems ?? []) {
    const pemFile = path.join(dir, "cert.pem");
    fs.writeFileSync(pemFile, pem);
    const subject = execFileSync("openssl", ["x509", "-in", pemFile, "-noout", "-subject", "-nameopt", "utf8"], { encoding: "utf8" });
    if (!subject.includes(`CN = ${commonName}`) && !subject.includes(`CN=${commonName}`)) continue;
    const printed = execFileSync("openssl", ["x509", "-in", pemFile, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" });
    return { pem, subject, opensslFingerprint: /Fingerprint=([0-9A-F:]+)/.exec(printed)?.[1] ?? "" };
  }
  throw new Error(`no certificate with CN=${commonName} in the signature of ${file}`);
}

function cmsPrint(file: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, "cms-"));
  execFileSync("pdfsig", ["-dump", path.resolve(file)], { cwd: dir });
  const sig = fs.readdirSync(dir).find((f) => f.endsWith(".sig0"))!;
  return execFileSync("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", path.join(dir, sig)], { encoding: "utf8" });
}

const sha256 = (data: Uint8Array) => crypto.createHash("sha256").update(data).digest("hex");

async function upload(code: string, bytes: Uint8Array) {
  const form = new FormData();
  form.append("file", new File([Uint8Array.from(bytes)], "letter.pdf", { type: "application/pdf" }));
  const response = await verifyAction({
    request: new Request(`http://localhost/verify/${code}`, { method: "POST", body: form }),
    params: { code },
    context: {},
  });
  return (await response.json()) as unknown;
}

async function settle(promise: Promise<Response>): Promise<Response> {
  return promise.catch((thrown: unknown) => {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  });
}

/** The organization page's certificate form as a browser sends it (multipart). */
async function postCertificate(orgId: number, cookie: string, file: Uint8Array | null, passphrase: string, extra: Record<string, string> = {}) {
  const form = new FormData();
  form.append("_intent", "certificate");
  if (file) form.append("file", new File([Uint8Array.from(file)], "org.p12", { type: "application/x-pkcs12" }));
  form.append("passphrase", passphrase);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return settle(
    orgAction({
      request: new Request(`http://localhost/dashboard/orgs/${orgId}`, { method: "POST", headers: { Cookie: cookie }, body: form }),
      params: { orgId: String(orgId) },
      context: {},
    }),
  );
}

async function pageCertificate(orgId: number, cookie: string) {
  const response = await orgLoader({
    request: new Request(`http://localhost/dashboard/orgs/${orgId}`, { headers: { Cookie: cookie } }),
    params: { orgId: String(orgId) },
    context: {},
  });
  const body = (await response.json()) as { certificate: { fingerprint: string; subject: string; issuer: string; source: string } | null };
  return body.certificate;
}

function openssl(...args: string[]) {
  execFileSync("openssl", args, { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
}

/** A CA and a leaf certificate it issued (key usage as given), exported as PKCS#12 with the CA in the chain. */
function caIssuedPkcs12(name: string, passphrase: string, keyUsage = "critical,digitalSignature,nonRepudiation"): { p12: Buffer; leafPem: string } {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", `${name}-ca.key`, "-out", `${name}-ca.pem`, "-subj", "/CN=Test Signing CA", "-days", "30");
  openssl("req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/O=Coalition/CN=${name}`);
  fs.writeFileSync(path.join(tmp, `${name}.ext`), `keyUsage=${keyUsage}\nbasicConstraints=critical,CA:FALSE\n`);
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${name}-ca.pem`,
    "-CAkey",
    `${name}-ca.key`,
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "30",
    "-extfile",
    `${name}.ext`,
  );
  openssl(
    "pkcs12",
    "-export",
    "-inkey",
    `${name}.key`,
    "-in",
    `${name}.pem`,
    "-certfile",
    `${name}-ca.pem`,
    "-certpbe",
    "AES-256-CBC",
    "-keypbe",
    "AES-256-CBC",
    "-macalg",
    "sha256",
    "-passout",
    `pass:${passphrase}`,
    "-out",
    `${name}.p12`,
  );
  return { p12: fs.readFileSync(path.join(tmp, `${name}.p12`)), leafPem: path.join(tmp, `${name}.pem`) };
}

describe("the signing key at rest", () => {
  it("is sealed: the stored bytes hold neither the PKCS#8 key nor its private scalar; another secret or another row cannot open it", async () => {
    const { owner } = await publishedAppeal("Sealed keys NGO");
    const secret = env().SIGNING_KEY_SECRET;
    const active = await activeSigningIdentity(getDb(), owner.organizationId);
    const row = await getDb().selectFrom("signing_identities").selectAll().where("id", "=", active.id).executeTakeFirstOrThrow();
    const pkcs8 = active.identity.privateKey.export({ type: "pkcs8", format: "der" });
    const scalar = Buffer.from(active.identity.privateKey.export({ format: "jwk" }).d ?? "", "base64url");
    expect(scalar).toHaveLength(32);
    const stored = Buffer.from(row.private_key_encrypted);
    expect(stored.includes(pkcs8)).toBe(false);
    expect(stored.includes(scalar)).toBe(false);
    expect(stored.includes(Buffer.from(pkcs8.toString("base64")))).toBe(false);
    // Nothing else in the row holds it either.
    expect(JSON.stringify(row)).not.toContain(pkcs8.toString("hex"));

    expect(() => decryptPrivateKey(stored, `${secret}-not-it`, owner.organizationId, row.fingerprint)).toThrow(SigningKeyError);
    expect(() => decryptPrivateKey(stored, secret, owner.organizationId + 1, row.fingerprint)).toThrow(SigningKeyError);
    const error = (() => {
      try {
        decryptPrivateKey(stored, "wrong", owner.organizationId, row.fingerprint);
      } catch (e) {
        return e instanceof Error ? e.message : "";
      }
      return "";
    })();
    expect(error).toMatch(/SIGNING_KEY_SECRET/);
    expect(error).not.toContain(secret);
    const opened = decryptPrivateKey(stored, secret, owner.organizationId, row.fingerprint);
    expect(crypto.createPublicKey(opened).export({ type: "spki", format: "der" })).toEqual(
      crypto.createPublicKey(active.identity.privateKey).export({ type: "spki", format: "der" }),
    );
  });

  it("is made once per organization, even when asked for by several at once", async () => {
    const { owner } = await newOrganization("Race NGO").then((o) => ({ owner: o }));
    const all = await Promise.all(Array.from({ length: 6 }, () => activeSigningIdentity(getDb(), owner.organizationId)));
    expect(new Set(all.map((a) => a.fingerprint)).size).toBe(1);
    const rows = await getDb().selectFrom("signing_identities").select("id").where("organization_id", "=", owner.organizationId).execute();
    expect(rows).toHaveLength(1);
  });
});

describe("signed letters", () => {
  it("a generated letter is signed by its organization: pdfsig valid and whole, the fingerprint on /verify and the dashboard is the PDF's certificate's", async () => {
    const { id, owner } = await publishedAppeal();
    const letter = await letterOf(id, owner.userId);
    const out = pdfsig(letter.file);
    expect(out).toContain(VALID);
    expect(out).toContain("Total document signed");
    expect(out).toContain(`Signer Certificate Common Name: ${ORG}`);
    expect(out).toContain("Signature Type: ETSI.CAdES.detached");

    const cert = signerCertificate(letter.file, ORG);
    expect(letter.row.signer_fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert.opensslFingerprint).toBe(letter.row.signer_fingerprint);
    const shown = await verification(letter.code);
    expect(shown?.signerFingerprint).toBe(cert.opensslFingerprint);
    const cookie = await sessionCookie(owner.userId);
    expect((await pageCertificate(owner.organizationId, cookie))?.fingerprint).toBe(cert.opensslFingerprint);

    // The recorded facts are the signed file's: /verify's "upload to check" matches it.
    const bytes = fs.readFileSync(letter.file);
    expect(letter.row.file_sha256).toBe(sha256(bytes));
    expect(letter.row.size).toBe(bytes.length);
    expect(await upload(letter.code, bytes)).toEqual({ result: "match" });
    expect(fs.readdirSync(path.dirname(letter.file)).filter((f) => f.endsWith(".part"))).toEqual([]);

    // One changed byte in the signed bytes (the text, near the end): pdfsig no longer says valid,
    // /verify says it does not match.
    const changed = Buffer.from(bytes);
    const at = changed.length - 2000;
    const [, contentsStart, contentsEnd] = (/\/ByteRange \[(\d+) (\d+) (\d+) (\d+)/.exec(bytes.toString("latin1")) ?? []).map(Number);
    expect(at > contentsEnd! || at < contentsStart!).toBe(true);
    changed[at] ^= 0x01;
    const changedFile = path.join(tmp, "changed.pdf");
    fs.writeFileSync(changedFile, changed);
    expect(pdfsig(changedFile)).not.toContain(VALID);
    expect(await upload(letter.code, changed)).toEqual({ result: "mismatch" });

    // The combined letter (every language in one PDF) is signed the same way.
    const combined = await letterOf(id, owner.userId, { combined: true });
    const combinedOut = pdfsig(combined.file);
    expect(combinedOut).toContain(VALID);
    expect(combinedOut).toContain("Total document signed");
    expect(combined.row.signer_fingerprint).toBe(letter.row.signer_fingerprint);
  }, 120_000);

  it("after a rotation the next letter has the new certificate and the old letter still verifies with the old one", async () => {
    const { id, owner } = await publishedAppeal("Rotating NGO");
    const before = await letterOf(id, owner.userId);
    const cookie = await sessionCookie(owner.userId);
    const rotate = await settle(
      orgAction({
        request: new Request(`http://localhost/dashboard/orgs/${owner.organizationId}`, {
          method: "POST",
          headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
          body: "_intent=rotate",
        }),
        params: { orgId: String(owner.organizationId) },
        context: {},
      }),
    );
    expect(rotate.status).toBe(200);
    expect(await rotate.json()).toMatchObject({ ok: true, notice: "rotated" });
    const after = await letterOf(id, owner.userId);

    expect(after.row.signer_fingerprint).not.toBe(before.row.signer_fingerprint);
    expect(signerCertificate(after.file, "Rotating NGO").opensslFingerprint).toBe(after.row.signer_fingerprint);
    expect((await pageCertificate(owner.organizationId, cookie))?.fingerprint).toBe(after.row.signer_fingerprint);
    // The old letter: unchanged, still valid, still shown with its own certificate.
    expect(pdfsig(before.file)).toContain(VALID);
    expect(signerCertificate(before.file, "Rotating NGO").opensslFingerprint).toBe(before.row.signer_fingerprint);
    expect((await verification(before.code))?.signerFingerprint).toBe(before.row.signer_fingerprint);
    expect((await verification(after.code))?.signerFingerprint).toBe(after.row.signer_fingerprint);
    const identities = await getDb()
      .selectFrom("signing_identities")
      .select(["fingerprint", "retired_at"])
      .where("organization_id", "=", owner.organizationId)
      .execute();
    expect(identities.filter((i) => i.retired_at === null).map((i) => i.fingerprint)).toEqual([after.row.signer_fingerprint]);
    expect(identities).toHaveLength(2);

    // An editor may not rotate it.
    const editor = await newOrganization("Elsewhere");
    await getDb().insertInto("memberships").values({ organization_id: owner.organizationId, user_id: editor.userId, role: "editor" }).execute();
    await expect(rotateSigningIdentity(owner.organizationId, editor.userId)).rejects.toMatchObject({ code: "forbidden" });
    expect(await pageCertificate(owner.organizationId, await sessionCookie(editor.userId))).toBeNull();
  }, 120_000);

  it("an uploaded CA-issued PKCS#12 signs the next letter: its certificate, its chain, its fingerprint", async () => {
    const { id, owner } = await publishedAppeal("Uploading NGO");
    const cookie = await sessionCookie(owner.userId);
    const { p12, leafPem } = caIssuedPkcs12("Coalition Signing", "пароль-секрет");
    const response = await postCertificate(owner.organizationId, cookie, p12, "пароль-секрет");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, notice: "certificate" });
    const expected = /Fingerprint=([0-9A-F:]+)/.exec(
      execFileSync("openssl", ["x509", "-in", leafPem, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" }),
    )?.[1];
    const page = await pageCertificate(owner.organizationId, cookie);
    expect(page).toMatchObject({ fingerprint: expected, source: "uploaded", subject: "O=Coalition, CN=Coalition Signing", issuer: "CN=Test Signing CA" });

    const letter = await letterOf(id, owner.userId);
    const out = pdfsig(letter.file);
    expect(out).toContain(VALID);
    expect(out).toContain("Total document signed");
    expect(out).toContain("Signer Certificate Common Name: Coalition Signing");
    expect(letter.row.signer_fingerprint).toBe(expected);
    expect(signerCertificate(letter.file, "Coalition Signing").opensslFingerprint).toBe(expected);
    // The CA certificate travels in the CMS too.
    expect(cmsPrint(letter.file)).toContain("Test Signing CA");
  }, 120_000);

  it("refuses a wrong passphrase, garbage, an expired or non-signing certificate, an oversized file — in the owner's language, never a 500, passphrase not echoed", async () => {
    const { owner } = await publishedAppeal("Refusing NGO");
    const cookie = await sessionCookie(owner.userId);
    const before = (await pageCertificate(owner.organizationId, cookie))?.fingerprint;
    const { p12 } = caIssuedPkcs12("Refused Signing", "right");
    const expired = await exportPkcs12(createSigningIdentity("Old NGO", { now: new Date("2001-01-01T00:00:00Z"), years: 1 }), "right");
    const noSigning = caIssuedPkcs12("Encipher Only", "right", "critical,keyAgreement").p12;
    const cases: Array<[Uint8Array | null, string, number, string]> = [
      [p12, "wrong", 400, "certificate.badFile"],
      [crypto.randomBytes(3000), "right", 400, "certificate.badFile"],
      [Buffer.from("%PDF-1.4 not a certificate"), "right", 400, "certificate.badFile"],
      [expired, "right", 400, "certificate.notValid"],
      [noSigning, "right", 400, "certificate.noSigning"],
      [crypto.randomBytes(70 * 1024), "right", 413, "certificate.tooLarge"],
      [null, "right", 400, "certificate.noFile"],
    ];
    for (const [file, passphrase, status, key] of cases) {
      const response = await postCertificate(owner.organizationId, cookie, file, passphrase);
      expect(response.status, key).toBe(status);
      const body = (await response.json()) as { errors: Record<string, string>; values: Record<string, string> };
      expect(body.errors.file, key).toBe(key);
      expect(JSON.stringify(body)).not.toContain(passphrase === "wrong" ? "wrong" : "right");
      for (const lang of ["en", "ru", "kk"] as const) expect(translator(lang).t(key as "certificate.badFile")).not.toBe(key);
    }
    expect(translator("ru").t("certificate.badFile")).toMatch(/пароль/);
    expect(translator("kk").t("certificate.badFile")).toMatch(/құпия сөз/);
    // A form with a second file part is refused as a bad form.
    const extra = await postCertificate(owner.organizationId, cookie, p12, "right", { other: "x".repeat(2000) });
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { errors: Record<string, string> }).errors.file).toBe("certificate.badForm");
    // Nothing changed.
    expect((await pageCertificate(owner.organizationId, cookie))?.fingerprint).toBe(before);
    // An editor's upload is a 403.
    const editor = await newOrganization("Elsewhere too");
    await getDb().insertInto("memberships").values({ organization_id: owner.organizationId, user_id: editor.userId, role: "editor" }).execute();
    expect((await postCertificate(owner.organizationId, await sessionCookie(editor.userId), p12, "right")).status).toBe(403);
    expect(AppError).toBeDefined();
  }, 120_000);

  it("with TSA_URL the letter's signature carries an RFC 3161 time-stamp; a TSA that fails fails the letter and leaves no file", async () => {
    const { id, owner } = await publishedAppeal("Time-stamped NGO");
    const saved = env();
    setEnv({ ...saved, TSA_URL: tsa.url });
    try {
      const asked = tsa.requests;
      const letter = await letterOf(id, owner.userId);
      expect(tsa.requests).toBe(asked + 1);
      const out = pdfsig(letter.file);
      expect(out).toContain(VALID);
      expect(out).toContain("Total document signed");
      expect(cmsPrint(letter.file)).toMatch(/id-smime-aa-timeStampToken|signatureTimeStampToken/);
      expect(letter.row.file_sha256).toBe(sha256(fs.readFileSync(letter.file)));

      tsa.answer = "error";
      const [failing] = await requestLetters(id, owner.userId, { lang: "en" });
      await expect(generateNow(failing!)).rejects.toThrow(/503/);
      const row = await getDb().selectFrom("letters").selectAll().where("id", "=", failing!).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: "failed", storage_key: null, file_sha256: null, signer_fingerprint: null });
      expect(fs.existsSync(pathOf(`letters/${row.code}.pdf`))).toBe(false);
      expect(fs.readdirSync(path.dirname(letter.file)).filter((f) => f.endsWith(".part"))).toEqual([]);
    } finally {
      tsa.answer = "openssl";
      setEnv(saved);
    }
    // Without TSA_URL: no time-stamp.
    const plain = await letterOf(id, owner.userId, { lang: "en" });
    expect(cmsPrint(plain.file)).not.toMatch(/timeStampToken/);
  }, 120_000);
});

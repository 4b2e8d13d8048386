import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { addSigners, publishedAppeal } from "../../tests/fixtures/campaign";
import { getDb } from "../../tests/setup/vitest-db";
import { loader as verifyLoader } from "../routes/verify.$code";
import { loader as statementLoader } from "../routes/verify.$code_.revocations";
import { loader as signatureLoader } from "../routes/verify.$code_.revocations[.p7s]";
import { parseEnv, setEnv } from "../utils/env.server";
import { newToken } from "../utils/tokens.server";
import { generateNow } from "./letter-pipeline.server";
import { requestLetters } from "./letters.server";
import { resetRevocationsCache, revocationsResponse, signedRevocations } from "./revocations.server";
import { rotateSigningIdentity } from "./signing-identity.server";
import { withdrawSignature } from "./signing.server";

/**
 * The signed revocation list through the real path: letters made by the pipeline, signatures
 * withdrawn after delivery with their withdraw links, then /verify/<code>/revocations and
 * …/revocations.p7s as a reader fetches them, checked with OpenSSL alone.
 */

const { dataDir } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/appeals-revocations-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return { dataDir: dir };
});
const work = path.join(dataDir, "check");

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir, APP_URL: "https://appeals.example" }));
  fs.mkdirSync(work, { recursive: true });
});
beforeEach(() => resetRevocationsCache());
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function letterOf(appealId: number, userId: number) {
  const [id] = await requestLetters(appealId, userId, { lang: "ru" });
  const result = await generateNow(id!);
  return {
    id: id!,
    code: result.code,
    signer: (await getDb().selectFrom("letters").select("signer_fingerprint").where("id", "=", id!).executeTakeFirstOrThrow()).signer_fingerprint,
  };
}

async function withdrawLink(signatureId: number) {
  const t = newToken();
  await getDb()
    .insertInto("signature_tokens")
    .values({ token_hash: t.hash, signature_id: signatureId, purpose: "withdraw", expires_at: sql<Date>`now() + interval '1 day'` })
    .execute();
  return t.token;
}

const deliver = (appealId: number) =>
  getDb()
    .updateTable("appeals")
    .set({ status: "delivered", delivered_at: sql`now()`, closed_at: sql`now()` })
    .where("id", "=", appealId)
    .execute();

const args = (url: string, code: string, lang = "en") => ({
  request: new Request(`http://localhost${url}`, { headers: { "Accept-Language": lang } }),
  params: { code },
  context: {},
});

/** What a reader downloads: the statement and its signature, as files. */
async function fetchSigned(code: string, name = code) {
  const text = await statementLoader(args(`/verify/${code}/revocations`, code));
  const sig = await signatureLoader(args(`/verify/${code}/revocations.p7s`, code));
  expect(text.status).toBe(200);
  expect(sig.status).toBe(200);
  expect(text.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
  expect(sig.headers.get("Content-Type")).toBe("application/pkcs7-signature");
  const statement = Buffer.from(await text.arrayBuffer());
  const signature = Buffer.from(await sig.arrayBuffer());
  const files = { statement: path.join(work, `${name}.txt`), signature: path.join(work, `${name}.p7s`) };
  fs.writeFileSync(files.statement, statement);
  fs.writeFileSync(files.signature, signature);
  return { statement, signature, text: statement.toString("utf8"), files };
}

/** `openssl cms -verify` of the detached signature over the file's exact bytes (the certificate's trust is the reader's fingerprint check). */
function opensslVerifies(statementFile: string, signatureFile: string) {
  const out = spawnSync(
    "openssl",
    ["cms", "-verify", "-binary", "-inform", "DER", "-in", signatureFile, "-content", statementFile, "-noverify", "-purpose", "any", "-out", "/dev/null"],
    {
      encoding: "utf8",
    },
  );
  return { ok: out.status === 0, stderr: out.stderr };
}

/** The signer certificate's SHA-256 fingerprint, as a reader gets it with openssl. */
function signerFingerprint(signatureFile: string) {
  const pem = execFileSync("openssl", ["pkcs7", "-inform", "DER", "-in", signatureFile, "-print_certs"], { encoding: "utf8" });
  const out = execFileSync("openssl", ["x509", "-noout", "-fingerprint", "-sha256"], { input: pem, encoding: "utf8" });
  return out.trim().replace(/^.*Fingerprint=/i, "");
}

const activeFingerprint = async (organizationId: number) =>
  (
    await getDb()
      .selectFrom("signing_identities")
      .select("fingerprint")
      .where("organization_id", "=", organizationId)
      .where("retired_at", "is", null)
      .executeTakeFirstOrThrow()
  ).fingerprint;

describe("the signed revocation list", () => {
  it("lists every leaf withdrawn after delivery (index and day, no names), signed by the organization's active certificate; one changed byte fails", async () => {
    const appeal = await publishedAppeal();
    const ids = await addSigners(appeal.id, [
      { name: "Остаётся Первый" },
      { name: "Уходит Второй" },
      { name: "Остаётся Третий" },
      { name: "Уходит Четвёртый" },
    ]);
    const letter = await letterOf(appeal.id, appeal.owner.userId);
    await deliver(appeal.id);
    for (const id of [ids[1]!, ids[3]!]) expect((await withdrawSignature(await withdrawLink(id))).state).toBe("delivered");
    const indexes = (await getDb().selectFrom("signatures").select("ledger_index").where("id", "in", [ids[1]!, ids[3]!]).orderBy("ledger_index").execute()).map(
      (r) => r.ledger_index,
    );
    const tree = await getDb().selectFrom("letters").select(["tree_size", "tree_root"]).where("id", "=", letter.id).executeTakeFirstOrThrow();

    const { text, statement, files } = await fetchSigned(letter.code);
    const today = new Date().toISOString().slice(0, 10);
    const lines = text.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "appeals-revocations:1",
      `letter ${letter.code}`,
      `tree 4 ${tree.tree_root!.toString("hex")}`,
      `letter-signer ${letter.signer}`,
      `signer ${await activeFingerprint(appeal.owner.organizationId)}`,
    ]);
    expect(lines[5]).toMatch(/^as-of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines.slice(6)).toEqual([`revoked ${indexes[0]} ${today}`, `revoked ${indexes[1]} ${today}`, "revoked-total 2", "net 2", ""]);
    expect(text).not.toMatch(/Уходит|Остаётся/);

    expect(opensslVerifies(files.statement, files.signature)).toMatchObject({ ok: true });
    expect(signerFingerprint(files.signature)).toBe(await activeFingerprint(appeal.owner.organizationId));
    expect(signerFingerprint(files.signature)).toBe(letter.signer);

    // One changed byte (a leaf index) and the signature no longer holds.
    const forged = Buffer.from(statement);
    const at = forged.indexOf(`revoked ${indexes[0]} `) + "revoked ".length;
    forged[at] = forged[at] === 0x30 ? 0x31 : 0x30;
    fs.writeFileSync(files.statement, forged);
    expect(opensslVerifies(files.statement, files.signature).ok).toBe(false);

    // Asked again: the same signed bytes (signed once, same as-of), not a new signature.
    const again = await fetchSigned(letter.code, `${letter.code}-again`);
    expect(again.statement.equals(statement)).toBe(true);

    // /verify (which links to both files) names nobody either.
    const page = await (await verifyLoader(args(`/verify/${letter.code}`, letter.code))).text();
    expect(page).not.toMatch(/Уходит|Остаётся/);
  });

  it("after a rotation the list is signed by the new certificate and still names the letter's own signer", async () => {
    const appeal = await publishedAppeal();
    const ids = await addSigners(appeal.id, [{ name: "Один" }, { name: "Два" }]);
    const letter = await letterOf(appeal.id, appeal.owner.userId);
    await deliver(appeal.id);
    expect((await withdrawSignature(await withdrawLink(ids[0]!))).state).toBe("delivered");
    const before = await fetchSigned(letter.code, "before");
    const rotated = await rotateSigningIdentity(appeal.owner.organizationId, appeal.owner.userId);
    const newFingerprint = await activeFingerprint(appeal.owner.organizationId);
    expect(newFingerprint).not.toBe(letter.signer);
    expect(rotated).toBe(newFingerprint);

    const after = await fetchSigned(letter.code, "after");
    expect(after.text).toContain(`letter-signer ${letter.signer}\nsigner ${newFingerprint}\n`);
    expect(opensslVerifies(after.files.statement, after.files.signature).ok).toBe(true);
    expect(signerFingerprint(after.files.signature)).toBe(newFingerprint);
    // The list signed before the rotation still verifies with its own certificate.
    expect(opensslVerifies(before.files.statement, before.files.signature).ok).toBe(true);
    expect(signerFingerprint(before.files.signature)).toBe(letter.signer);
  });

  it("with no revocation: a valid signed statement that lists none", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [{ name: "Никто Не Ушёл" }]);
    const letter = await letterOf(appeal.id, appeal.owner.userId);
    const { text, files } = await fetchSigned(letter.code);
    expect(text).not.toMatch(/^revoked /m);
    expect(text).toMatch(/\nrevoked-total 0\nnet 1\n$/);
    expect(opensslVerifies(files.statement, files.signature).ok).toBe(true);
  });

  it("covers every revoked leaf, not only the 1000 the page shows; a new revocation makes a new statement", async () => {
    const appeal = await publishedAppeal();
    const many = 1003;
    await addSigners(
      appeal.id,
      Array.from({ length: many }, (_, i) => ({ name: `Подписант ${i}` })),
    );
    const letter = await letterOf(appeal.id, appeal.owner.userId);
    await deliver(appeal.id);
    // All but one withdrawn (as moderation or an operator would: the trigger marks the leaves).
    await getDb()
      .updateTable("signatures")
      .set({ status: "withdrawn", withdrawn_at: sql`now()` })
      .where("appeal_id", "=", appeal.id)
      .where("ledger_index", "<", many - 1)
      .execute();
    const { text, files } = await fetchSigned(letter.code);
    const revoked = text.split("\n").filter((l) => l.startsWith("revoked "));
    expect(revoked).toHaveLength(many - 1);
    expect(revoked.map((l) => Number(l.split(" ")[1]))).toEqual(Array.from({ length: many - 1 }, (_, i) => i));
    expect(text).toMatch(/\nrevoked-total 1002\nnet 1\n$/);
    expect(opensslVerifies(files.statement, files.signature).ok).toBe(true);

    await getDb()
      .updateTable("signatures")
      .set({ status: "withdrawn", withdrawn_at: sql`now()` })
      .where("appeal_id", "=", appeal.id)
      .execute();
    const later = await fetchSigned(letter.code, "later");
    expect(later.text).toMatch(/\nrevoked-total 1003\nnet 0\n$/);
    expect(opensslVerifies(later.files.statement, later.files.signature).ok).toBe(true);
  });

  it("refuses, with a clear answer in the reader's language, a list longer than the bound; signs it below", async () => {
    const appeal = await publishedAppeal();
    const ids = await addSigners(appeal.id, [{ name: "А" }, { name: "Б" }, { name: "В" }]);
    const letter = await letterOf(appeal.id, appeal.owner.userId);
    await deliver(appeal.id);
    for (const id of ids) expect((await withdrawSignature(await withdrawLink(id))).state).toBe("delivered");
    const refused = await signedRevocations(letter.code, 2);
    expect(refused).toEqual({ ok: false, reason: "too_many", total: 3, max: 2 });
    const response = revocationsResponse(args(`/verify/${letter.code}/revocations`, letter.code, "kk").request, refused, "signature");
    expect(response.status).toBe(422);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.text()).toMatch(/^Бұл хатта кері қайтарылған қолтаңбалар саны 3 .* 2 /);
    expect((await signedRevocations(letter.code, 3)).ok).toBe(true);
  });

  it("answers an unknown code with 404 in the reader's language, never cached", async () => {
    for (const loader of [statementLoader, signatureLoader]) {
      const response = await loader(args("/verify/NOPE-NOPE/revocations", "NOPE-NOPE", "ru"));
      expect(response.status).toBe(404);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      expect(await response.text()).toBe("Нет письма с этим кодом, в котором есть реестр подписей.\n");
    }
  });
});

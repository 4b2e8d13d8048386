import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { addSigners, publishedAppeal } from "../../tests/fixtures/campaign";
import { parseCsv } from "../../tests/fixtures/csv";
import { getDb } from "../../tests/setup/vitest-db";
import { encodeLeaf, leafHash, type LeafFields } from "../ledger/leaf";
import { hashLeaf, treeRoot, verifyConsistency } from "../ledger/merkle";
import type { LetterAttachment } from "../pdf/render.server";
import { loader as verifyLoader } from "../routes/verify.$code";
import { loader as verifyJsonLoader } from "../routes/verify.$code_.json";
import { parseEnv, setEnv } from "../utils/env.server";
import { newToken } from "../utils/tokens.server";
import { generateNow } from "./letter-pipeline.server";
import { requestLetters, verification } from "./letters.server";
import { withdrawSignature } from "./signing.server";

/**
 * The signatory ledger through the real letter path (requestLetters → the pipeline → the data step
 * → the renderer): each letter's tree size and root, the files it embeds (ledger.csv,
 * signatories.csv), the recheck of every printed row against its leaf, consistency proofs between
 * letters, and what /verify says about them.
 */

const { dataDir } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/appeals-ledger-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return { dataDir: dir };
});

/** What the renderer was given to embed: each file's name and content, read when the letter ended (as the renderer reads them). */
const embedded = vi.hoisted(() => ({ last: [] as Array<{ name: string; mimeType: string; text: string; path: string }> }));

vi.mock("../pdf/render.server", async (importOriginal) => {
  const real = await importOriginal<typeof import("../pdf/render.server")>();
  const { readFileSync } = await import("node:fs");
  const capture = async <R>(attachments: LetterAttachment[] | undefined, render: () => Promise<R>) => {
    const result = await render();
    embedded.last = (attachments ?? []).map((a) => ({ name: a.name, mimeType: a.mimeType, path: a.path, text: readFileSync(a.path, "utf8") }));
    return result;
  };
  return {
    ...real,
    renderLetter: (...args: Parameters<typeof real.renderLetter>) => capture(args[3]?.attachments, () => real.renderLetter(...args)),
    renderCombined: (...args: Parameters<typeof real.renderCombined>) => capture(args[2]?.attachments, () => real.renderCombined(...args)),
  };
});

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir, APP_URL: "https://appeals.example" }));
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function generate(appealId: number, userId: number, request: Parameters<typeof requestLetters>[2]) {
  const ids = await requestLetters(appealId, userId, request);
  const out = [];
  for (const id of ids) {
    const result = await generateNow(id);
    out.push({ id, ...result, files: Object.fromEntries(embedded.last.map((f) => [f.name, f])) });
  }
  return out;
}

const one = async (appealId: number, userId: number, lang = "ru") => (await generate(appealId, userId, { lang }))[0]!;

/** The tree rebuilt from ledger.csv alone, as a verifier does: printed leaves re-encoded, the others' hashes as given. */
function rebuild(csv: string) {
  const [header, ...lines] = parseCsv(csv);
  expect(header).toEqual(["index", "salt", "name", "city", "country", "organization", "position", "confirmed", "revision", "leaf_hash"]);
  const hashes = lines.map(([index, salt, name, city, country, organization, position, confirmed, revision, hash], i) => {
    expect(Number(index)).toBe(i);
    if (hash) return new Uint8Array(Buffer.from(hash, "hex"));
    const fields: LeafFields = {
      name: name!,
      city: city!,
      country: country!,
      organization: organization!,
      position: position!,
      confirmed: confirmed!,
      revision: Number(revision),
    };
    return hashLeaf(encodeLeaf(fields, new Uint8Array(Buffer.from(salt!, "hex"))));
  });
  return { size: hashes.length, root: Buffer.from(treeRoot(hashes)).toString("hex"), lines };
}

async function withdrawLink(signatureId: number) {
  const t = newToken();
  await getDb()
    .insertInto("signature_tokens")
    .values({ token_hash: t.hash, signature_id: signatureId, purpose: "withdraw", expires_at: sql<Date>`now() + interval '1 day'` })
    .execute();
  return t.token;
}

const letterRow = (id: number) => getDb().selectFrom("letters").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("the ledger in letters", () => {
  it("embeds ledger.csv and signatories.csv from which the letter's tree size and root are rebuilt, and removes them afterwards", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [
      { name: "Айгерім Сейітқалиева", city: "Алматы", country: "kz", organization: "Қоғам, «Ақиқат»", position: "Төраға" },
      { name: '=HYPERLINK("http://x")', city: "Łódź", country: "PL" },
      { name: 'Zoë "Zee" Ångström', city: "Malmö\nSödra", country: "SE", organization: "+46 group" },
    ]);
    const letter = await one(appeal.id, appeal.owner.userId);
    expect(letter.count).toBe(3);
    expect(letter.treeSize).toBe(3);
    const row = await letterRow(letter.id);
    expect(row.tree_size).toBe(3);
    expect(row.tree_root?.toString("hex")).toBe(letter.treeRoot);

    expect(Object.keys(letter.files).sort()).toEqual(["ledger.csv", "signatories.csv"]);
    const ledger = letter.files["ledger.csv"]!;
    expect(ledger.mimeType).toBe("text/csv");
    expect(ledger.text.charCodeAt(0)).not.toBe(0xfeff);
    expect(ledger.text).not.toContain("\r\n");
    const rebuilt = rebuild(ledger.text);
    expect(rebuilt).toMatchObject({ size: letter.treeSize, root: letter.treeRoot });
    expect(rebuilt.lines[0]!.slice(2, 9)).toEqual([
      "Айгерім Сейітқалиева",
      "Алматы",
      "KZ",
      "Қоғам, «Ақиқат»",
      "Төраға",
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      "1",
    ]);
    // RFC 4180: only fields with " , CR or LF are quoted.
    expect(ledger.text).toContain(',"Қоғам, «Ақиқат»",');
    expect(ledger.text).toContain(',"Zoë ""Zee"" Ångström","Malmö\nSödra",SE,+46 group,');

    const staff = parseCsv(letter.files["signatories.csv"]!.text);
    expect(staff[0]).toEqual(["number", "name", "city", "country", "organization", "position", "confirmed"]);
    expect(staff.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ["1", "Айгерім Сейітқалиева", "Алматы", "KZ", "Қоғам, «Ақиқат»"],
      ["2", `'=HYPERLINK("http://x")`, "Łódź", "PL", ""],
      ["3", 'Zoë "Zee" Ångström', "Malmö\nSödra", "SE", "'+46 group"],
    ]);
    // The files lived beside the letter's partial file only while it was made.
    for (const f of Object.values(letter.files)) expect(fs.existsSync(f.path)).toBe(false);
    const dir = path.dirname(Object.values(letter.files)[0]!.path);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("refuses a letter when a confirmed row was edited behind the ledger, saying so", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [{ name: "Честный Подписант" }, { name: "Подлинное Имя" }]);
    await getDb().updateTable("signatures").set({ name: "Подменённое Имя" }).where("appeal_id", "=", appeal.id).where("name", "=", "Подлинное Имя").execute();
    const [id] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    await expect(generateNow(id!)).rejects.toThrow(/leaf 1 differs from the ledger: its row was changed after it was confirmed/);
    const row = await letterRow(id!);
    expect(row).toMatchObject({ status: "failed", error: "ledger_mismatch", tree_size: null, tree_root: null, storage_key: null });
  });

  it("a later letter extends an earlier one (a stored, checked consistency proof); /verify lists the earlier letter, the revocation after it and the net count", async () => {
    const appeal = await publishedAppeal();
    const [, leaving] = await addSigners(appeal.id, [{ name: "Первый Подписант" }, { name: "Передумает Позже" }, { name: "Третий Подписант" }]);
    const first = await one(appeal.id, appeal.owner.userId);
    expect(first.treeSize).toBe(3);
    const leavingIndex = (await getDb().selectFrom("signatures").select("ledger_index").where("id", "=", leaving!).executeTakeFirstOrThrow()).ledger_index!;

    // Withdrawn before delivery: the row goes, its leaf stays (hash only in later letters).
    expect((await withdrawSignature(await withdrawLink(leaving!))).state).toBe("valid");
    expect(await getDb().selectFrom("signatures").select("id").where("id", "=", leaving!).executeTakeFirst()).toBeUndefined();
    await addSigners(appeal.id, [{ name: "Четвёртый Подписант" }, { name: "Пятый Подписант" }]);

    const second = await one(appeal.id, appeal.owner.userId);
    expect(second).toMatchObject({ count: 4, treeSize: 5 });
    const rebuilt = rebuild(second.files["ledger.csv"]!.text);
    expect(rebuilt.root).toBe(second.treeRoot);
    const hashOnly = rebuilt.lines[leavingIndex]!;
    expect(hashOnly.slice(1, 9).every((f) => f === "")).toBe(true);
    expect(hashOnly[9]).toMatch(/^[0-9a-f]{64}$/);
    expect(second.files["ledger.csv"]!.text).not.toContain("Передумает");
    expect(second.files["signatories.csv"]!.text).not.toContain("Передумает");

    const stored = await getDb().selectFrom("letter_consistency").selectAll().where("letter_id", "=", second.id).execute();
    expect(stored.map((s) => s.earlier_letter_id)).toEqual([first.id]);
    const proof = Array.from({ length: stored[0]!.proof.length / 32 }, (_, i) => new Uint8Array(stored[0]!.proof.subarray(i * 32, i * 32 + 32)));
    expect(verifyConsistency(3, 5, Buffer.from(first.treeRoot!, "hex"), Buffer.from(second.treeRoot!, "hex"), proof)).toBe(true);

    const later = await verification(second.code);
    expect(later?.ledger).toMatchObject({
      size: 5,
      root: second.treeRoot,
      extends: [{ code: first.code, size: 3, root: first.treeRoot, checked: true }],
      revoked: { total: 0, entries: [] },
      net: 4,
    });
    const earlier = await verification(first.code);
    const today = new Date().toISOString().slice(0, 10);
    expect(earlier?.ledger).toMatchObject({
      size: 3,
      root: first.treeRoot,
      extends: [],
      revoked: { total: 1, entries: [{ index: leavingIndex, day: today }] },
      net: 2,
    });

    // The page and the JSON say the same, without a name.
    const page = await (
      await verifyLoader({ request: new Request(`http://localhost/verify/${first.code}`), params: { code: first.code }, context: {} })
    ).text();
    expect(page).toContain(first.treeRoot);
    expect(page).not.toContain("Передумает");
    const response = await verifyJsonLoader({
      request: new Request(`http://localhost/verify/${second.code}/json`),
      params: { code: second.code },
      context: {},
    });
    expect(response.headers.get("Content-Type")).toContain("application/json");
    const facts = (await response.json()) as { ledger: { root: string; extends: Array<{ code: string; proof: string[]; checked: boolean }> } };
    expect(facts.ledger.root).toBe(second.treeRoot);
    expect(facts.ledger.extends[0]).toMatchObject({ code: first.code, checked: true, proof: proof.map((p) => Buffer.from(p).toString("hex")) });
    expect(JSON.stringify(facts)).not.toContain("Передумает");

    // A tampered stored proof no longer checks.
    await getDb()
      .updateTable("letter_consistency")
      .set({ proof: Buffer.alloc(stored[0]!.proof.length, 7) })
      .where("letter_id", "=", second.id)
      .execute();
    expect((await verification(second.code))?.ledger?.extends[0]?.checked).toBe(false);
  });

  it("a letter with no signatory left still embeds its tree: every leaf hash-only", async () => {
    const appeal = await publishedAppeal();
    const [gone] = await addSigners(appeal.id, [{ name: "Ушёл Совсем" }]);
    await getDb().deleteFrom("signatures").where("id", "=", gone!).execute();
    const letter = await one(appeal.id, appeal.owner.userId);
    expect(letter).toMatchObject({ count: 0, treeSize: 1 });
    const rebuilt = rebuild(letter.files["ledger.csv"]!.text);
    expect(rebuilt).toMatchObject({ size: 1, root: letter.treeRoot });
    expect(parseCsv(letter.files["signatories.csv"]!.text)).toEqual([["number", "name", "city", "country", "organization", "position", "confirmed"]]);
  });

  it("gives the en, ru and kk letters and the combined one the same tree", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [
      { name: "Айгерім Сейітқалиева", country: "KZ" },
      { name: "Jürgen Weiß", country: "DE", at: new Date(Date.UTC(2026, 0, 1, 23, 59)) },
    ]);
    const letters = [
      ...(await generate(appeal.id, appeal.owner.userId, { all: true })),
      ...(await generate(appeal.id, appeal.owner.userId, { combined: true })),
    ];
    expect(letters).toHaveLength(4);
    const roots = new Set(letters.map((l) => `${l.treeSize} ${l.treeRoot}`));
    expect(roots.size).toBe(1);
    for (const l of letters) expect(rebuild(l.files["ledger.csv"]!.text).root).toBe(l.treeRoot);
    // The same leaf, whatever the language: the row's day is its UTC day.
    const jurgen = await getDb()
      .selectFrom("signatures")
      .selectAll()
      .where("appeal_id", "=", appeal.id)
      .where("name", "=", "Jürgen Weiß")
      .executeTakeFirstOrThrow();
    const fields = { ...jurgen, confirmed: "2026-01-01" };
    const line = rebuild(letters[0]!.files["ledger.csv"]!.text).lines[jurgen.ledger_index!]!;
    expect(line[7]).toBe("2026-01-01");
    expect(Buffer.from(leafHash(fields, new Uint8Array(jurgen.ledger_salt!))).toString("hex")).toBe(
      Buffer.from(hashLeaf(encodeLeaf({ ...fields }, new Uint8Array(Buffer.from(line[1]!, "hex"))))).toString("hex"),
    );
  });
});

import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import type { Readable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { addSigners, publishedAppeal, signerAddress } from "../../tests/fixtures/campaign";
import { csvObjects } from "../../tests/fixtures/csv";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { getDb } from "../../tests/setup/vitest-db";
import { action as paperAction } from "../routes/dashboard.appeals.$id.paper";
import { parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { exactConfirmed, foldCounts } from "./counts.server";
import { exportCsv } from "./export.server";
import { generateNow } from "./letter-pipeline.server";
import { requestLetters } from "./letters.server";
import { PAPER_CSV_MAX_BYTES, addPaperSignature, importPaperCsv, paperSummary, previewPaperCsv, readPaperCsv, sheetPdf } from "./paper.server";
import { confirmedCountBySlug, publicSigners } from "./signing.server";
import { pathOf } from "./storage.server";

/**
 * Paper signatures (issue 17, item 3) against a real PostgreSQL: entered one by one and from CSV
 * files (with their row errors), counted, listed, exported and printed in letters "on paper",
 * never mailed; and the printable sheet.
 */

const { dataDir } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/appeals-paper-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return { dataDir: dir };
});

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, APP_URL: "https://appeals.example", DATA_DIR: dataDir }));
});
afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

const outboxRows = async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox`.execute(getDb())).rows[0]?.n ?? 0);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function pdfText(file: string) {
  return execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"], { encoding: "utf8" });
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("paper signatures", () => {
  it("one entered: confirmed with its ledger leaf, by whom, no address, no mail; counted; invalid ones answered per field", async () => {
    const appeal = await publishedAppeal();
    await getDb().updateTable("appeals").set({ field_city: "required" }).where("id", "=", appeal.id).execute();
    const before = await outboxRows();

    const bad = await addPaperSignature(appeal.id, appeal.owner.userId, { name: "  ", city: "" }, "ru");
    expect(bad).toEqual({ ok: false, errors: { name: "form.required", city: "form.required" } });
    const badCountry = await addPaperSignature(appeal.id, appeal.owner.userId, { name: "Асель", city: "Алматы", country: "XX" }, "ru");
    expect(badCountry).toEqual({ ok: false, errors: { country: "form.invalid" } });

    expect(await addPaperSignature(appeal.id, appeal.owner.userId, { name: "Асель Нурланова", city: "Алматы", country: "kz" }, "ru")).toEqual({ ok: true });
    const row = await getDb().selectFrom("signatures").selectAll().where("appeal_id", "=", appeal.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: "confirmed",
      source: "paper",
      entered_by: appeal.owner.userId,
      name: "Асель Нурланова",
      city: "Алматы",
      country: "KZ",
      disclosure: "public",
      email: null,
      email_key: null,
      ip_hash: null,
      keep_informed: false,
      ledger_index: 0,
    });
    const leaf = await getDb().selectFrom("ledger_leaves").selectAll().where("appeal_id", "=", appeal.id).execute();
    expect(leaf.map((l) => l.leaf_index)).toEqual([0]);
    expect(await outboxRows()).toBe(before);
    expect(await getDb().selectFrom("signature_tokens").select("signature_id").where("signature_id", "=", row.id).execute()).toEqual([]);

    // Counted: exactly, and in the public count once the deltas are folded.
    expect(await exactConfirmed(appeal.id)).toBe(1);
    await foldCounts();
    expect(await confirmedCountBySlug(appeal.slug)).toBe(1);

    // The database itself refuses an address on a paper signature.
    await expect(sql`UPDATE signatures SET email = 'x', email_key = 'k' WHERE id = ${row.id}`.execute(getDb())).rejects.toThrow(/signatures_paper_no_address/);

    // A stranger may not enter one (403), a draft takes none.
    const stranger = await newOrganization("Чужие");
    await expect(addPaperSignature(appeal.id, stranger.userId, { name: "X" }, "ru")).rejects.toMatchObject({ code: "forbidden" });
    const summary = await paperSummary(appeal.id, appeal.owner.userId);
    expect(summary.count).toBe(1);
    expect(summary.recent[0]).toMatchObject({ name: "Асель Нурланова", enteredBy: appeal.owner.userId });
  });

  it("a CSV file: BOM, semicolons, a Russian header, Windows-1251, country names; each bad row named with its errors; the valid ones imported", async () => {
    const appeal = await publishedAppeal();
    await getDb().updateTable("appeals").set({ field_city: "required" }).where("id", "=", appeal.id).execute();
    const csv =
      '\uFEFFФИО;Город;Страна\r\nАйгерім Сейітқалиева;Қарағанды;KZ\r\nБез Города;;\r\n;Астана;KZ\r\n"Иванов; Пётр";Москва;Россия\r\nJohn Smith;Oxford;XX\r\n';
    const preview = await previewPaperCsv(appeal.id, appeal.owner.userId, utf8(csv));
    if (!preview.ok) throw new Error(preview.error);
    expect(preview.rows.map((r) => [r.line, r.errors])).toEqual([
      [2, {}],
      [3, { city: "form.required" }],
      [4, { name: "form.required" }],
      [5, {}],
      [6, { country: "form.invalid" }],
    ]);
    expect(preview.valid).toBe(2);
    expect(preview.rows[3]?.values).toMatchObject({ name: "Иванов; Пётр", city: "Москва", country: "Россия" });
    // Nothing stored by a preview.
    expect(await exactConfirmed(appeal.id)).toBe(0);

    // The import reads the file again: a count that differs from the preview's is refused.
    await expect(importPaperCsv(appeal.id, appeal.owner.userId, utf8(csv), 3, "ru")).rejects.toMatchObject({ code: "conflict" });
    expect(await importPaperCsv(appeal.id, appeal.owner.userId, utf8(csv), 2, "ru")).toBe(2);
    const rows = await getDb()
      .selectFrom("signatures")
      .select(["name", "country", "source", "ledger_index"])
      .where("appeal_id", "=", appeal.id)
      .orderBy("id")
      .execute();
    expect(rows).toEqual([
      { name: "Айгерім Сейітқалиева", country: "KZ", source: "paper", ledger_index: 0 },
      { name: "Иванов; Пётр", country: "RU", source: "paper", ledger_index: 1 },
    ]);

    // Windows-1251 (Excel on a Russian Windows), no header (the sheet's column order), commas.
    const cp1251 = Buffer.from(execFileSync("iconv", ["-f", "UTF-8", "-t", "CP1251"], { input: "Пётр Сидоров,Томск,RU\nМария,Омск,\n" }));
    const legacy = readPaperCsv(cp1251, {
      fields: { city: "required", country: "optional", organization: "off", position: "off" },
      columns: ["name", "city", "country"],
    });
    expect(legacy.ok && legacy.rows.map((r) => r.values)).toEqual([
      { name: "Пётр Сидоров", city: "Томск", country: "RU" },
      { name: "Мария", city: "Омск", country: "" },
    ]);
  });

  it("answers every bad file with a message, never an exception", async () => {
    const target = { fields: { city: "optional", country: "optional", organization: "off", position: "off" }, columns: ["name", "city", "country"] } as const;
    const error = (bytes: Uint8Array) => {
      const r = readPaperCsv(bytes, target);
      return r.ok ? "ok" : r.error;
    };
    expect(error(new Uint8Array())).toBe("paper.csvEmpty");
    expect(error(utf8("\uFEFF\r\n\r\n"))).toBe("paper.csvEmpty");
    expect(error(utf8("name,city\n"))).toBe("paper.csvEmpty");
    expect(error(new Uint8Array(PAPER_CSV_MAX_BYTES + 1).fill(65))).toBe("paper.csvTooLarge");
    expect(error(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0x08, 0xff, 0xfe]))).toBe("paper.csvNotText");
    expect(error(utf8(`name\n${"x\n".repeat(5001)}`))).toBe("paper.csvTooManyRows");
    expect(error(utf8(`name\n${"x\n".repeat(5000)}`))).toBe("ok");
    expect(error(utf8('name,city\n"unterminated,Алматы\n'))).toBe("paper.csvUnreadable");
    expect(error(utf8(`name\n${"a".repeat(70_000)}\n`))).toBe("paper.csvUnreadable");
    // A very long name is a row error, not a file error.
    const long = readPaperCsv(utf8(`name\n${"a".repeat(300)}\n`), target);
    expect(long.ok && long.rows[0]?.errors).toEqual({ name: "form.tooLong:200" });
  });

  it("in the public list, the export and the letters, marked on paper; no mail sent", async () => {
    const appeal = await publishedAppeal();
    const webAddress = signerAddress("web");
    await addSigners(appeal.id, [{ name: "Веб Подписант", city: "Алматы", country: "KZ", email: webAddress, keepInformed: true }]);
    const before = await outboxRows();
    const file = utf8("name,city\nБумажная Подписантка,Шымкент\nСкрытый Бумажный,Тараз\n");
    await importPaperCsv(appeal.id, appeal.owner.userId, file, 2, "ru");
    await addPaperSignature(appeal.id, appeal.owner.userId, { name: "Private Paper", city: "Тараз", disclosure: "private" }, "ru");
    expect(await outboxRows()).toBe(before);

    const list = await publicSigners(appeal.id);
    expect(list.signers.map((s) => [s.name, s.paper])).toEqual([
      ["Скрытый Бумажный", true],
      ["Бумажная Подписантка", true],
      ["Веб Подписант", false],
    ]);

    const { stream } = await exportCsv(appeal.id, appeal.owner.userId, "Проверка");
    const rows = csvObjects(new TextDecoder().decode((await readAll(stream)).subarray(3)));
    expect(rows.map((r) => [r.name, r.source, r.email])).toEqual([
      ["Веб Подписант", "web", webAddress],
      ["Бумажная Подписантка", "paper", ""],
      ["Скрытый Бумажный", "paper", ""],
      ["Private Paper", "paper", ""],
    ]);

    // The letter, in Russian and in English: every paper row marked in the letter's language, and the ledger rechecks.
    const ids = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    const ru = await generateNow(ids[0]!);
    const text = pdfText(pathOf(ru.storageKey));
    expect(text).toContain("Бумажная Подписантка");
    expect(text).toContain("Private Paper");
    expect(text.match(/на бумаге/g)?.length).toBe(3);
    const idsEn = await requestLetters(appeal.id, appeal.owner.userId, { lang: "en" });
    const en = await generateNow(idsEn[0]!);
    expect(pdfText(pathOf(en.storageKey)).match(/on paper/g)?.length).toBe(3);
  });

  it("the signature sheet: a valid PDF per version with the appeal's fields as columns", async () => {
    const appeal = await publishedAppeal();
    await getDb()
      .updateTable("appeals")
      .set({ field_city: "required", field_country: "off", field_organization: "optional", field_position: "off" })
      .where("id", "=", appeal.id)
      .execute();
    await fs.mkdir(dataDir, { recursive: true });
    const dir = await fs.mkdtemp(`${dataDir}/sheet-`);
    for (const [lang, words, absent] of [
      ["ru", ["Освободите журналистов", "Полное имя", "Город", "Организация", "Подпись", "Подписывая этот лист"], "Страна"],
      ["kk", ["Журналистерді босатыңыз", "Толық аты-жөні", "Қала", "Ұйым", "Қолы"], "Ел"],
      ["en", ["Free the journalists", "Full name", "City", "Organization", "Signature", "No e-mail address is collected"], "Country"],
    ] as const) {
      const { pdf, filename } = await sheetPdf(appeal.id, appeal.owner.userId, lang, "en");
      expect(filename).toBe(`sheet-${appeal.slug}-${lang}.pdf`);
      const path = `${dir}/${filename}`;
      await fs.writeFile(path, pdf);
      execFileSync("qpdf", ["--check", path]);
      const text = pdfText(path);
      for (const w of words) expect(text.replace(/\s+/g, " ")).toContain(w);
      expect(text).not.toMatch(new RegExp(`\\b${absent}\\b`, "u"));
      // The same input gives the same bytes.
      expect((await sheetPdf(appeal.id, appeal.owner.userId, lang, "en")).pdf.equals(pdf)).toBe(true);
    }
    await expect(sheetPdf(appeal.id, appeal.owner.userId, "de", "en")).rejects.toMatchObject({ code: "not_found" });
    const stranger = await newOrganization("Чужие");
    await expect(sheetPdf(appeal.id, stranger.userId, "ru", "en")).rejects.toBeInstanceOf(AppError);
  });

  it("through the page's action: the upload previews, the import stores, a bad upload is a message", async () => {
    const appeal = await publishedAppeal();
    const cookie = await sessionCookie(appeal.owner.userId);
    const url = `https://appeals.example/dashboard/appeals/${appeal.id}/paper`;
    const upload = (body: FormData) =>
      paperAction({ request: new Request(url, { method: "POST", body, headers: { Cookie: cookie } }), params: { id: String(appeal.id) }, context: {} });
    const form = new FormData();
    form.set("_intent", "check");
    form.set("file", new File([utf8("Имя;Город\nОля;Алматы\n;Астана\n")], "list.csv", { type: "text/csv" }));
    const res = await upload(form);
    expect(res.status).toBe(200);
    const body = z
      .object({ preview: z.object({ result: z.object({ valid: z.number(), rows: z.array(z.unknown()) }), file: z.string() }) })
      .parse(await res.json());
    expect(body.preview.result.valid).toBe(1);
    expect(body.preview.result.rows).toHaveLength(2);

    const imported = await paperAction({
      request: new Request(url, {
        method: "POST",
        body: new URLSearchParams({ _intent: "import", file: body.preview.file, expected: "1" }),
        headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      }),
      params: { id: String(appeal.id) },
      context: {},
    });
    expect(await imported.json()).toMatchObject({ notice: "imported", imported: 1 });
    expect(await exactConfirmed(appeal.id)).toBe(1);

    const empty = new FormData();
    empty.set("_intent", "check");
    empty.set("file", new File([], "empty.csv"));
    const refused = await upload(empty);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errors: { file: "paper.csvEmpty" } });
    const noFile = new FormData();
    noFile.set("_intent", "check");
    expect(await (await upload(noFile)).json()).toMatchObject({ errors: { file: "paper.csvNoFile" } });
    const binary = new FormData();
    binary.set("file", new File([Uint8Array.from([0, 1, 2, 3])], "x.csv"));
    expect(await (await upload(binary)).json()).toMatchObject({ errors: { file: "paper.csvNotText" } });
  });
});

import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { getDb } from "../../db/client";
import { COUNTRY_CODES, countryName } from "../data/countries";
import type { Disclosure } from "../../db/schema";
import { PassThrough } from "node:stream";
import { isRtlLang, isUiLang, translator, type MessageKey, type UiLang } from "../i18n";
import { renderSheet, type SheetInput } from "../pdf/sheet.server";
import { env } from "../utils/env.server";
import { publicAppeal } from "./public-appeal.server";
import { posterSummary } from "./spread.server";
import { leafFieldsOf, leafHash, newSalt } from "../ledger/leaf";
import { paperSchema, sheetColumns, type PaperColumn, type PaperInput } from "../schemas/paper";
import type { SignerFields } from "../schemas/sign";
import { AppError } from "../utils/errors";
import { parseFields, type FieldErrors, type RawFields } from "../utils/forms";
import { appealForMember } from "./access.server";
import { keyring, open, seal } from "./data-key.server";

/*
 * Paper signatures (issue 17, item 3): signatures collected on a printed sheet
 * (app/pdf/sheet.server.ts), entered by an organizer — one by one, or from a CSV file, previewed
 * row by row before anything is stored. A paper signature:
 *  - is confirmed when entered (the organizer vouches for the sheet), with its ledger leaf computed
 *    here exactly as confirmSignature computes a web signature's (app/ledger/leaf.ts, the appeal
 *    row's lock numbering the leaves), so it counts, is listed and is printed like the others;
 *  - is marked source 'paper' and carries the organizer who entered it (entered_by);
 *  - never has an address (a CHECK in the 2026-12-05T0100 migration): no e-mail, receipt or news.
 * The source is not part of the leaf (leaf format v1 is frozen): the letter marks the row
 * "on paper" from the row, as it prints the row's other fields.
 */

/** A CSV file's bounds: bigger files, or more rows, are refused as a whole with a message. */
export const PAPER_CSV_MAX_BYTES = 1024 * 1024;
export const PAPER_CSV_MAX_ROWS = 5000;
/** Rows inserted per statement (PostgreSQL takes at most 65,535 parameters a statement). */
const INSERT_BATCH = 1000;

export interface PaperTarget {
  id: number;
  slug: string;
  revision: number;
  originalLanguage: string;
  fields: SignerFields;
  columns: readonly PaperColumn[];
}

/** The appeal, for a member, if it takes paper signatures: published, closed or delivered (sheets come in late), never a draft. */
export async function paperTarget(appealId: number, userId: number): Promise<PaperTarget> {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status === "draft" || !appeal.slug) throw new AppError("draft", "paper.draft");
  const fields: SignerFields = {
    city: appeal.field_city,
    country: appeal.field_country,
    organization: appeal.field_organization,
    position: appeal.field_position,
  };
  return {
    id: appeal.id,
    slug: appeal.slug,
    revision: appeal.current_revision,
    originalLanguage: appeal.original_language,
    fields,
    columns: sheetColumns(fields),
  };
}

/**
 * Stores paper signatures, confirmed, in one transaction: their leaves numbered from the
 * appeal's ledger_size (the appeal row's lock serialises them with web confirmations), their
 * count added to count_deltas. Returns how many were stored.
 */
async function storePaper(target: PaperTarget, userId: number, rows: PaperInput[], lang: string): Promise<number> {
  if (rows.length === 0) return 0;
  const ring = keyring();
  await getDb()
    .transaction()
    .execute(async (trx) => {
      const head = await sql<{ first: number; revision: number }>`
        UPDATE appeals SET ledger_size = ledger_size + ${rows.length} WHERE id = ${target.id}
        RETURNING ledger_size - ${rows.length} AS first, current_revision AS revision`.execute(trx);
      const { first, revision } = head.rows[0] ?? { first: 0, revision: target.revision };
      const at = new Date();
      for (let start = 0; start < rows.length; start += INSERT_BATCH) {
        const batch = rows.slice(start, start + INSERT_BATCH).map((row, i) => {
          const salt = newSalt();
          // The leaf is over the name as the letter prints it (opened), like a web signature's.
          const hash = leafHash(leafFieldsOf({ ...row, confirmedAt: at, revision }), salt);
          return { row, index: first + start + i, salt: Buffer.from(salt), hash: Buffer.from(hash) };
        });
        await trx
          .insertInto("signatures")
          .values(
            batch.map(({ row, index, salt }) => ({
              appeal_id: target.id,
              revision,
              lang,
              status: "confirmed" as const,
              name: row.disclosure === "private" ? seal(row.name, "name", ring) : row.name,
              city: row.city,
              country: row.country,
              organization: row.organization,
              position: row.position,
              disclosure: row.disclosure as Disclosure,
              keep_informed: false,
              email: null,
              email_key: null,
              ip_hash: null,
              created_at: at,
              confirmed_at: at,
              ledger_index: index,
              ledger_salt: salt,
              source: "paper" as const,
              entered_by: userId,
            })),
          )
          .execute();
        await trx
          .insertInto("ledger_leaves")
          .values(batch.map(({ index, hash }) => ({ appeal_id: target.id, leaf_index: index, leaf_hash: hash, created_at: at })))
          .execute();
      }
      await trx.insertInto("count_deltas").values({ appeal_id: target.id, confirmed: rows.length }).execute();
    });
  return rows.length;
}

export type PaperEntry = { ok: true } | { ok: false; errors: FieldErrors };

/** One signature typed from a sheet: checked by the appeal's paper schema, then stored. */
export async function addPaperSignature(appealId: number, userId: number, raw: RawFields, lang: string): Promise<PaperEntry> {
  const target = await paperTarget(appealId, userId);
  const parsed = parseFields(paperSchema(target.fields), raw);
  if (!parsed.ok) return parsed;
  await storePaper(target, userId, [parsed.data], lang);
  return { ok: true };
}

/** One row of a CSV file as the preview shows it: its line, its cells by column, and its errors (i18n keys). */
export interface PaperRow {
  line: number;
  values: Partial<Record<PaperColumn | "disclosure", string>>;
  errors: FieldErrors;
}

export type PaperCsv =
  | { ok: true; columns: readonly PaperColumn[]; rows: PaperRow[]; valid: number; withDisclosure: boolean }
  /** The file as a whole cannot be read: the message key (and its argument, shown as {max}) says why. */
  | { ok: false; error: MessageKey; arg?: number };

/**
 * Header names a column is recognised by (lower case, trimmed): the canonical key and the sheet's
 * own column titles in English, Russian and Kazakh (what an organizer typing a sheet into a
 * spreadsheet writes on top).
 */
const HEADERS: Record<PaperColumn | "disclosure", string[]> = {
  name: ["name", "full name", "имя", "фио", "имя и фамилия", "имя, фамилия", "аты-жөні", "аты", "есімі"],
  city: ["city", "town", "город", "населённый пункт", "населенный пункт", "қала", "елді мекен"],
  country: ["country", "страна", "ел", "мемлекет"],
  organization: ["organization", "organisation", "организация", "ұйым"],
  position: ["position", "role", "job title", "должность", "лауазымы", "лауазым"],
  disclosure: ["disclosure", "публикация", "жариялау"],
};

function columnOf(header: string): PaperColumn | "disclosure" | null {
  const h = header.trim().toLowerCase().replace(/\s+/g, " ");
  for (const [column, names] of Object.entries(HEADERS)) if (names.includes(h)) return column as PaperColumn | "disclosure";
  return null;
}

let countryCodes: Map<string, string> | null = null;

/**
 * A country as people write it on a sheet: its code (KZ), or its name in English, Russian or
 * Kazakh ("Казахстан", "Kazakhstan", "Қазақстан"), as the sign form's list names it; else as written.
 */
export function countryCodeOf(written: string): string {
  const v = written.trim();
  if (/^[A-Za-z]{2}$/.test(v)) return v;
  if (!countryCodes) {
    countryCodes = new Map();
    for (const lang of ["en", "ru", "kk"]) for (const code of COUNTRY_CODES) countryCodes.set(countryName(code, lang).toLowerCase(), code);
  }
  return countryCodes.get(v.toLowerCase().replace(/\s+/g, " ")) ?? v;
}

/** The file's text: UTF-8 (a BOM dropped), or, when it is not valid UTF-8, Windows-1251 (Excel's "CSV" on Russian Windows). */
export function decodeCsv(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1251").decode(bytes);
  }
}

/** The separator of the first line: the one of `, ; TAB` it has most of outside quotes (a spreadsheet in Russian saves with ";"). */
function separatorOf(text: string): string {
  const firstLine = (text.split(/\r?\n/, 1)[0] ?? "").replace(/"[^"]*"/g, "");
  const counts = [",", ";", "\t"].map((s) => [s, firstLine.split(s).length - 1] as const);
  const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return best[1] > 0 ? best[0] : ",";
}

/**
 * Reads a CSV file of paper signatures and checks every row by the appeal's paper schema, without
 * storing anything. A first row naming a "name" column (in English, Russian or Kazakh) is the
 * header; without one, the columns are the sheet's, in its order. Never throws on a bad file.
 */
export function readPaperCsv(bytes: Uint8Array, target: Pick<PaperTarget, "fields" | "columns">): PaperCsv {
  if (bytes.byteLength === 0) return { ok: false, error: "paper.csvEmpty" };
  if (bytes.byteLength > PAPER_CSV_MAX_BYTES) return { ok: false, error: "paper.csvTooLarge" };
  const text = decodeCsv(bytes).replace(/^\uFEFF/, "");
  if (text.includes("\u0000")) return { ok: false, error: "paper.csvNotText" };
  let records: string[][];
  try {
    records = parse(text, {
      delimiter: separatorOf(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      trim: true,
      max_record_size: 64 * 1024,
      to_line: PAPER_CSV_MAX_ROWS + 2,
    });
  } catch (error) {
    const line = error && typeof error === "object" && "lines" in error && typeof error.lines === "number" ? error.lines : 0;
    return { ok: false, error: "paper.csvUnreadable", arg: line };
  }
  if (records.length === 0) return { ok: false, error: "paper.csvEmpty" };
  const header = records[0]!.map(columnOf);
  const hasHeader = header.includes("name");
  const layout: ReadonlyArray<PaperColumn | "disclosure" | null> = hasHeader ? header : target.columns;
  const data = hasHeader ? records.slice(1) : records;
  if (data.length === 0) return { ok: false, error: "paper.csvEmpty" };
  if (data.length > PAPER_CSV_MAX_ROWS) return { ok: false, error: "paper.csvTooManyRows", arg: PAPER_CSV_MAX_ROWS };
  const schema = paperSchema(target.fields);
  const firstLine = hasHeader ? 2 : 1;
  let valid = 0;
  const rows = data.map((cells, i): PaperRow => {
    const values: PaperRow["values"] = {};
    layout.forEach((column, j) => {
      const cell = cells[j];
      if (column && cell !== undefined && values[column] === undefined) values[column] = cell;
    });
    const parsed = parseFields(schema, values.country ? { ...values, country: countryCodeOf(values.country) } : values);
    if (parsed.ok) valid++;
    return { line: firstLine + i, values, errors: parsed.ok ? {} : parsed.errors };
  });
  return { ok: true, columns: target.columns, rows, valid, withDisclosure: layout.includes("disclosure") };
}

/** The preview of a CSV file for an appeal (nothing stored). */
export async function previewPaperCsv(appealId: number, userId: number, bytes: Uint8Array): Promise<PaperCsv> {
  return readPaperCsv(bytes, await paperTarget(appealId, userId));
}

/**
 * The confirm step: the same file again (sent back by the preview page), read and checked again,
 * its valid rows stored. `expected` is the number of valid rows the preview showed: a file that
 * reads differently now is refused rather than half-imported.
 */
export async function importPaperCsv(appealId: number, userId: number, bytes: Uint8Array, expected: number, lang: string): Promise<number> {
  const target = await paperTarget(appealId, userId);
  const read = readPaperCsv(bytes, target);
  if (!read.ok) throw new AppError("bad_request", read.error);
  if (read.valid !== expected) throw new AppError("conflict", "paper.csvChanged");
  const schema = paperSchema(target.fields);
  const rows: PaperInput[] = [];
  for (const r of read.rows) {
    const parsed = parseFields(schema, r.values.country ? { ...r.values, country: countryCodeOf(r.values.country) } : r.values);
    if (parsed.ok) rows.push(parsed.data);
  }
  return storePaper(target, userId, rows, lang);
}

export interface RecentPaper {
  id: number;
  name: string;
  city: string | null;
  enteredAt: string;
  /** Who entered it: the organizer's name (or null) and user id. */
  enteredBy: number | null;
  enteredByName: string | null;
}

/** How many paper signatures the appeal has, and the last ones entered, with who entered them. */
export async function paperSummary(appealId: number, userId: number): Promise<{ count: number; recent: RecentPaper[] }> {
  const target = await paperTarget(appealId, userId);
  const db = getDb();
  const [count, recent] = await Promise.all([
    db
      .selectFrom("signatures")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("appeal_id", "=", target.id)
      .where("source", "=", "paper")
      .where("status", "=", "confirmed")
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("signatures as s")
      .leftJoin("users as u", "u.id", "s.entered_by")
      .select(["s.id", "s.name", "s.city", "s.disclosure", "s.created_at", "s.entered_by", "u.name as user_name"])
      .where("s.appeal_id", "=", target.id)
      .where("s.source", "=", "paper")
      .where("s.status", "=", "confirmed")
      .orderBy("s.id", "desc")
      .limit(20)
      .execute(),
  ]);
  const ring = keyring();
  return {
    count: Number(count.n),
    recent: recent.map((r) => ({
      id: r.id,
      name: open(r.name, "name", ring),
      city: r.city,
      enteredAt: new Date(r.created_at).toISOString(),
      enteredBy: r.entered_by === null ? null : Number(r.entered_by),
      enteredByName: r.user_name,
    })),
  };
}

/** Each column's share of the sheet's width (the signature needs room; a country is short). */
const SHEET_WEIGHTS: Record<PaperColumn, number> = { name: 3.2, city: 2, country: 1.5, organization: 2.4, position: 2 };
const COLUMN_LABELS: Record<PaperColumn, MessageKey> = {
  name: "paper.name",
  city: "sign.city",
  country: "sign.country",
  organization: "sign.organization",
  position: "sign.position",
};

/**
 * The printable signature sheet of an appeal in version `lang` (a member's download): the
 * interface's words in `lang` when it is an interface language, else in `uiLang`.
 */
export async function sheetPdf(appealId: number, userId: number, lang: string, uiLang: UiLang): Promise<{ pdf: Buffer; filename: string }> {
  const target = await paperTarget(appealId, userId);
  const view = await publicAppeal(target.slug, lang, uiLang);
  if (!view || view.lang !== lang) throw new AppError("not_found");
  const t = translator(isUiLang(lang) ? lang : uiLang);
  const input: SheetInput = {
    lang,
    rtl: isRtlLang(lang),
    organization: view.organization,
    title: view.title,
    summary: posterSummary(view),
    statement: t.t("paper.sheetStatement"),
    numberLabel: t.t("paper.sheetNumber"),
    columns: [...target.columns.map((c) => ({ label: t.t(COLUMN_LABELS[c]), weight: SHEET_WEIGHTS[c] })), { label: t.t("paper.sheetSignature"), weight: 2.6 }],
    footer: t.t("paper.sheetReturn", { organization: view.organization, url: `${env().APP_URL}/appeals/${view.slug}?lang=${lang}` }),
    date: new Date(view.revisedAt ?? view.publishedAt ?? 0),
  };
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  await renderSheet(input, out);
  return { pdf: Buffer.concat(chunks), filename: `sheet-${view.slug}-${lang}.pdf` };
}

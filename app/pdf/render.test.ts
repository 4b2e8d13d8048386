import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { renderCombined, renderLetter, type LetterInput, type LetterSignatory, type RenderResult } from "./render.server";

/**
 * Renders real PDFs and reads them back with poppler's pdftotext / pdfinfo / pdffonts, the way a
 * recipient's viewer would: what matters is the text that comes out, not our own bookkeeping.
 */

interface FixtureName {
  name: string;
  city: string;
  country: string;
  script: string;
  fallback?: boolean;
}

function isFixtureName(v: unknown): v is FixtureName {
  return typeof v === "object" && v !== null && "name" in v && typeof v.name === "string" && "city" in v && "country" in v;
}

/** The shared fixture of names in many scripts; NAMES_FIXTURE overrides where it lives. */
function fixturePath(): string {
  const candidates = [process.env.NAMES_FIXTURE, "tests/fixtures/names.json", "/work/shared/fixtures/names.json"];
  const found = candidates.find((p): p is string => !!p && fs.existsSync(p));
  if (!found) throw new Error("names.json fixture not found (set NAMES_FIXTURE)");
  return found;
}

function loadNames(): FixtureName[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(fixturePath(), "utf8"));
  const list = typeof parsed === "object" && parsed !== null && "names" in parsed ? parsed.names : null;
  if (!Array.isArray(list)) throw new Error("names.json: no names array");
  return list.filter(isFixtureName);
}

const NAMES = loadNames();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "letter-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const BODY = `Уважаемые господа!

Мы просим **немедленно** пересмотреть решение о *сносе* здания. Подробнее: [сайт кампании](https://example.org/campaign).

## Наши требования

1. Остановить снос.
2. Опубликовать документы.

- первый пункт
- второй пункт

Текст с <b>разметкой</b> остаётся текстом.`;

function letter(overrides: Partial<LetterInput> = {}): LetterInput {
  return {
    lang: "ru",
    originalLanguage: "ru",
    organization: "Общественное объединение «Зелёный Алматы»",
    generatedAt: new Date("2025-03-05T10:00:00Z"),
    snapshotId: "snapshot-1",
    title: "Открытое письмо о сохранении здания",
    bodyMarkdown: BODY,
    addressees: [{ name: "Әбілқайыр Сейітов", position: "Министр культуры", institution: "Министерство культуры и информации" }],
    revision: 2,
    appealUrl: "https://appeals.example.org/a/save-abay",
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
    count: NAMES.length,
    ...overrides,
  };
}

function fixtureRow(f: FixtureName, i: number): LetterSignatory {
  return {
    name: f.name,
    city: f.city,
    country: f.country,
    organization: i === 0 ? "Фонд «Наследие»" : null,
    position: i === 0 ? "директор" : null,
    confirmedAt: new Date(Date.UTC(2025, 1, 1 + i, 12)),
    revision: i === 1 ? 1 : 2,
  };
}

async function* fixtureRows(): AsyncGenerator<LetterSignatory> {
  for (const [i, f] of NAMES.entries()) yield fixtureRow(f, i);
}

async function* syntheticRows(count: number): AsyncGenerator<LetterSignatory> {
  for (let i = 0; i < count; i++) {
    yield {
      name: `Signatory Number ${i + 1}`,
      city: "Алматы",
      country: "KZ",
      organization: null,
      position: null,
      confirmedAt: new Date(Date.UTC(2025, 0, 1)),
      revision: 2,
    };
  }
}

/** A destination that collects bytes; `slow` makes it push back (tiny buffer, deferred callbacks). */
function collector(slow = false): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: slow ? 1024 : 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      if (slow) setTimeout(cb, 1);
      else cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

async function render(input: LetterInput, rows: AsyncIterable<LetterSignatory>): Promise<{ pdf: Buffer; result: RenderResult }> {
  const out = collector();
  const result = await renderLetter(input, rows, out.stream);
  return { pdf: out.bytes(), result };
}

let fileNo = 0;
function save(pdf: Buffer): string {
  const file = path.join(tmp, `letter-${++fileNo}.pdf`);
  fs.writeFileSync(file, pdf);
  return file;
}

/** The text of each page, as pdftotext extracts it. */
function pagesOf(pdf: Buffer): string[] {
  const text = execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", save(pdf), "-"], { encoding: "utf8" });
  return text.split("\f").slice(0, -1);
}

function pdfinfo(pdf: Buffer): string {
  return execFileSync("pdfinfo", [save(pdf)], { encoding: "utf8" });
}

/** Collapses the column padding of -layout output, so phrases can be matched across it. */
const squash = (s: string) => s.replace(/[ \t]+/g, " ");

describe("renderLetter", () => {
  it("prints a Russian letter with every fixture name as real, extractable text", async () => {
    const { pdf, result } = await render(letter(), fixtureRows());
    const pages = pagesOf(pdf);
    const text = squash(pages.join("\n"));

    expect(result.pages).toBe(pages.length);
    expect(pdfinfo(pdf)).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    // Heading: organization, date in Russian, addressee, title, revision.
    expect(text).toContain("Общественное объединение «Зелёный");
    expect(text).toContain("5 марта 2025 г.");
    expect(text).toContain("Кому:");
    expect(text).toContain("Әбілқайыр Сейітов");
    expect(text).toContain("Министерство культуры и информации");
    expect(text).toContain("Открытое письмо о сохранении здания");
    expect(text).toContain("Редакция текста 2");
    expect(text).not.toContain("Перевод");
    // Body from Markdown, HTML left as typed.
    expect(text).toContain("Мы просим немедленно пересмотреть решение о сносе здания.");
    expect(text).toContain("Наши требования");
    expect(text).toMatch(/1\. Остановить снос\./);
    expect(text).toMatch(/• первый пункт/);
    expect(text).toContain("Текст с <b>разметкой</b> остаётся текстом.");
    // List headings in Russian.
    expect(text).toContain("Подписавшие");
    expect(text).toContain("Имя и фамилия");
    expect(text).toContain("Подтверждено");

    // Cyrillic with Kazakh, Ukrainian and Kyrgyz letters; Latin with diacritics; Greek; Georgian; Armenian.
    for (const f of NAMES.filter((n) => !/Arabic|Han/.test(n.script))) {
      expect(text, f.script).toContain(f.name);
      expect(text, f.script).toContain(f.city);
    }
    expect(text).toContain("Łódź");
    expect(text).toContain("Zofia Łukasiewicz-Żółć");
    expect(text).toContain("Jürgen Weiß");
    expect(text).toContain("François-Xavier Lœuvre");
    expect(text).toContain("Ә");
    expect(text).toMatch(/[ҒҚҢӨҰҮҺІ]/);
    // Country names in the letter's language; organization and position; signed revision.
    expect(text).toContain("Казахстан");
    expect(text).toContain("Грузия");
    expect(text).toContain("Фонд «Наследие», директор");
    expect(text).toMatch(/02\.02\.2025[\s\S]*редакция 1/);
    // Nothing unprintable slipped through as replacement characters.
    expect(text).not.toContain("\uFFFD");
  });

  it("draws Han and Arabic names in their scripts (issue 15) and keeps Georgian; transliterates only what no font covers", async () => {
    const { pdf, result } = await render(letter({ lang: "en" }), fixtureRows());
    const text = squash(pagesOf(pdf).join("\n")).replace(/[\u202a-\u202e]/g, "");

    expect(result.flaggedNames).toEqual([]);
    expect(result.flaggedTotal).toBe(0);
    expect(text).toContain("王小明");
    expect(text).toContain("北京");
    expect(text).toContain("محمد الأحمد");
    expect(text).toContain("عمّان");
    expect(text).not.toContain("WangXiaoMing");
    expect(text).not.toContain("†");
    // DejaVu Sans has Georgian and Armenian glyphs: those names stay in their own script.
    const georgian = NAMES.find((n) => n.script === "Georgian");
    expect(georgian).toBeDefined();
    expect(text).toContain(georgian?.name);
    expect(result.flaggedNames).not.toContain(georgian?.name);
  });

  it("transliterates a script no bundled font covers, marks it † and explains the mark", async () => {
    async function* rows(): AsyncGenerator<LetterSignatory> {
      yield { ...fixtureRow(NAMES[0]!, 0), name: "አበበ ቢቂላ", city: "አዲስ አበባ" };
    }
    const { pdf, result } = await render(letter({ lang: "en", count: 1 }), rows());
    const text = squash(pagesOf(pdf).join("\n"));
    expect(result.flaggedNames).toEqual(["አበበ ቢቂላ"]);
    expect(text).toContain("'abebe bik'ila †");
    expect(text).toContain("† The name is written in a script this letter cannot print");
  });

  it("writes an English translation with its note, English headings and plural count", async () => {
    const { pdf } = await render(letter({ lang: "en", originalLanguage: "ru" }), fixtureRows());
    const pages = pagesOf(pdf);
    const text = squash(pages.join("\n"));
    expect(text).toContain("Translation from Russian; the Russian text is authoritative.");
    expect(text).toContain("Text revision 2");
    // A European institution reads "5 March 2025", not the US "March 5, 2025".
    expect(text).toContain("5 March 2025");
    expect(text).not.toContain("March 5, 2025");
    expect(text).toContain("To:");
    expect(text).toContain("Signatories");
    expect(text).toContain("19 signatories");
    expect(text).toContain("Organization, position");
    expect(text).toContain("Kazakhstan");
    expect(text).toContain("revision 1");
    expect(text).toContain(`Page 1 of ${pages.length}`);
  });

  it("writes a Kazakh letter and a Kazakh translation", async () => {
    const original = squash(pagesOf((await render(letter({ lang: "kk", originalLanguage: "kk" }), fixtureRows())).pdf).join("\n"));
    expect(original).toContain("Мәтіннің 2-редакциясы");
    expect(original).toContain("Кімге:");
    expect(original).toContain("Қол қойғандар");
    expect(original).toContain("19 қол қоюшы");
    expect(original).toContain("Аты-жөні");
    expect(original).toContain("Қазақстан");
    expect(original).toMatch(/\d+ беттің 1-беті/);
    expect(original).toContain("Тексеру коды 7K3Q-9XWD-M2PA");
    expect(original).not.toContain("Аударма");

    const translation = squash(pagesOf((await render(letter({ lang: "kk", originalLanguage: "ru" }), fixtureRows())).pdf).join("\n"));
    expect(translation).toContain("Аударма. Түпнұсқа тілі: орыс тілі");
  });

  it("numbers every page 'X of Y' with Y right from the first page, and shows the count on each", async () => {
    const count = 700;
    const { pdf, result } = await render(letter({ lang: "en", count }), syntheticRows(count));
    const pages = pagesOf(pdf);
    expect(pdfinfo(pdf)).toMatch(new RegExp(`Pages:\\s+${result.pages}\\n`));
    expect(pages.length).toBe(result.pages);
    expect(result.pages).toBeGreaterThan(20);
    pages.forEach((page, i) => {
      expect(squash(page)).toContain(`Page ${i + 1} of ${result.pages}`);
      expect(squash(page)).toContain("700 signatories");
      expect(squash(page)).toContain("Verification code 7K3Q-9XWD-M2PA · https://appeals.example.org/verify/7K3Q-9XWD-M2PA");
      expect(squash(page)).toContain("https://appeals.example.org/a/save-abay");
    });
    const last = squash(pages[pages.length - 1]);
    expect(last).toContain(`Page ${result.pages} of ${result.pages}`);
    expect(last).toContain("Signatory Number 700");
    expect(squash(pages.join("\n"))).not.toContain("Signatory Number 701");
  });

  it("knows Y before page 1 when the body itself runs over several pages", async () => {
    const longBody = Array.from({ length: 45 }, (_, i) => `## Раздел ${i + 1}\n\nДлинный абзац ${i + 1}: ${"текст письма ".repeat(30)}`).join("\n\n");
    const count = 80;
    const { pdf, result } = await render(letter({ lang: "en", bodyMarkdown: longBody, count }), syntheticRows(count));
    const pages = pagesOf(pdf);
    expect(pages.length).toBe(result.pages);
    expect(result.pages).toBeGreaterThan(8);
    pages.forEach((page, i) => expect(squash(page)).toContain(`Page ${i + 1} of ${result.pages}`));
    expect(squash(pages[pages.length - 1])).toContain("Signatory Number 80");
  });

  it("gets the page count right at every boundary of the list", async () => {
    const short = (count: number) => letter({ lang: "en", bodyMarkdown: "Short.", count });
    const lastRowOn = (page: string) => Math.max(...[...page.matchAll(/Signatory Number (\d+)/g)].map((m) => Number(m[1])));
    // Where the pages break: rows on the first page, then rows per full page.
    const probe = pagesOf((await render(short(200), syntheticRows(200))).pdf);
    const first = lastRowOn(probe[0]);
    const perPage = lastRowOn(probe[1]) - first;
    expect(first).toBeGreaterThan(3);
    expect(perPage).toBeGreaterThan(20);
    for (const count of [1, first - 1, first, first + 1, first + perPage - 1, first + perPage, first + perPage + 1]) {
      const { pdf, result } = await render(short(count), syntheticRows(count));
      const pages = pagesOf(pdf);
      expect(pages.length, `count ${count}`).toBe(result.pages);
      expect(result.pages, `count ${count}`).toBe(1 + Math.ceil(Math.max(0, count - first) / perPage));
      const last = squash(pages[pages.length - 1]);
      expect(last, `count ${count}`).toContain(`Page ${result.pages} of ${result.pages}`);
      expect(lastRowOn(last), `count ${count}`).toBe(count);
    }
  });

  it("uses Russian plural forms in the footer", async () => {
    const few = squash(pagesOf((await render(letter({ count: 3 }), syntheticRows(3))).pdf)[0]);
    expect(few).toMatch(/Страница 1 из \d+/);
    expect(few).toContain("3 подписанта");
    const one = squash(pagesOf((await render(letter({ count: 21 }), syntheticRows(21))).pdf)[0]);
    expect(one).toContain("21 подписант ");
  });

  it("gives the same bytes for the same data, and pins dates and file ID", async () => {
    const a = await render(letter(), fixtureRows());
    const b = await render(letter(), fixtureRows());
    expect(a.pdf.equals(b.pdf)).toBe(true);

    const info = pdfinfo(a.pdf);
    expect(info).toMatch(/CreationDate:\s+Wed Mar\s+5 10:00:00 2025 UTC/);
    expect(info).toMatch(/ModDate:\s+Wed Mar\s+5 10:00:00 2025 UTC/);
    const expectedId = createHash("md5").update("appeals-delivery-letter\nsnapshot-1\nru\n").digest("hex");
    const trailerId = (pdf: Buffer) => /\/ID \[<([0-9a-f]+)> <\1>\]/.exec(pdf.toString("latin1"))?.[1];
    expect(trailerId(a.pdf)).toBe(expectedId);
    const other = await render(letter({ snapshotId: "snapshot-2" }), fixtureRows());
    expect(trailerId(other.pdf)).not.toBe(expectedId);
  });

  it("embeds DejaVu Sans (regular, bold, oblique) and never a standard font", async () => {
    const { pdf } = await render(letter(), fixtureRows());
    const fonts = execFileSync("pdffonts", [save(pdf)], { encoding: "utf8" });
    expect(fonts).toMatch(/DejaVuSans\s/);
    expect(fonts).toContain("DejaVuSans-Bold");
    expect(fonts).toContain("DejaVuSans-Oblique");
    expect(fonts).not.toMatch(/Helvetica|Times|Courier/);
    // Every font line says emb=yes sub=yes uni=yes.
    for (const line of fonts.split("\n").slice(2).filter(Boolean)) expect(line).toMatch(/yes\s+yes\s+yes/);
  });

  it("makes body links real link annotations", async () => {
    const { pdf } = await render(letter(), fixtureRows());
    const raw = pdf.toString("latin1");
    expect(raw).toContain("/URI (https://example.org/campaign)");
    expect(raw).toContain("/URI (https://appeals.example.org/verify/7K3Q-9XWD-M2PA)");
  });

  it("says there are no confirmed signatures yet when the list is empty", async () => {
    const en = await render(letter({ lang: "en", count: 0 }), syntheticRows(0));
    expect(en.result.pages).toBe(1);
    const text = squash(pagesOf(en.pdf).join("\n"));
    expect(text).toContain("No signatures have been confirmed yet.");
    expect(text).toContain("0 signatories");
    expect(text).toContain("Page 1 of 1");
    const kk = squash(pagesOf((await render(letter({ lang: "kk", count: 0 }), syntheticRows(0))).pdf).join("\n"));
    expect(kk).toContain("Әзірге расталған қолдар жоқ.");
  });

  it("refuses rows that do not match count", async () => {
    await expect(render(letter({ count: 5 }), syntheticRows(6))).rejects.toThrow(/more than count/);
    await expect(render(letter({ count: 5 }), syntheticRows(4))).rejects.toThrow(/count said 5/);
  });

  it("waits for a slow destination and still writes the same bytes", async () => {
    const fast = await render(letter({ count: 300 }), syntheticRows(300));
    const slow = collector(true);
    await renderLetter(letter({ count: 300 }), syntheticRows(300), slow.stream);
    expect(slow.bytes().equals(fast.pdf)).toBe(true);
  });

  it("wraps an over-long name whole onto the row's second line, and cuts an over-long place with an ellipsis", async () => {
    async function* rows(): AsyncGenerator<LetterSignatory> {
      yield {
        name: `Very ${"Long".repeat(40)} Name`,
        city: `Almaty ${"Long".repeat(40)} Place`,
        country: "KZ",
        organization: null,
        position: null,
        confirmedAt: new Date(0),
        revision: 2,
      };
    }
    const { pdf } = await render(letter({ lang: "en", count: 1 }), rows());
    const text = squash(pagesOf(pdf).join("\n"));
    // Read without -layout, the name's lines follow each other (with -layout the place column is interleaved).
    const plain = execFileSync("pdftotext", ["-enc", "UTF-8", save(pdf), "-"], { encoding: "utf8" });
    expect(plain.replace(/\s+/g, "")).toContain(`Very${"Long".repeat(40)}Name`);
    expect(text).toMatch(/Almaty (Long)+L?o?n?g?…/);
    expect(text).not.toContain("Long Place");
  });
});

/** The /Lang of the marked content on each page (qpdf's QDF form: content streams uncompressed). */
function pageLanguages(pdf: Buffer): string[][] {
  const file = save(pdf);
  const qdf = `${file}.qdf`;
  execFileSync("qpdf", ["--qdf", "--object-streams=disable", file, qdf]);
  const text = fs.readFileSync(qdf, "latin1");
  return text
    .split(/^%% Contents for page \d+$/m)
    .slice(1)
    .map((chunk) => [...new Set([...chunk.split(/^endstream$/m)[0]!.matchAll(/\/Span <<\s*\/Lang \(([\w-]+)\)\s*>> BDC/g)].map((m) => m[1]!))]);
}

describe("renderCombined", () => {
  it("puts the original and its translations in one PDF, numbered across the whole document, each part in its own language", async () => {
    const parts = ["ru", "en", "kk"] as const;
    const sizes: number[] = [];
    // One name in a script no bundled font covers (Ethiopic): transliterated in every part.
    async function* withEthiopic(): AsyncGenerator<LetterSignatory> {
      yield* fixtureRows();
      yield { ...fixtureRow(NAMES[0]!, 0), name: "አበበ ቢቂላ" };
    }
    const count = NAMES.length + 1;
    for (const lang of parts) sizes.push((await render(letter({ lang, count }), withEthiopic())).result.pages);
    const out = collector();
    const result = await renderCombined(
      parts.map((lang) => ({ input: letter({ lang, count }), rows: withEthiopic })),
      out.stream,
    );
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(result.pages).toBe(total);
    const pages = pagesOf(out.bytes());
    expect(pages.length).toBe(total);
    const text = squash(pages.join("\n"));
    expect(text).toContain("Редакция текста 2");
    expect(text).toContain("Translation from Russian; the Russian text is authoritative.");
    expect(text).toContain("Аударма. Түпнұсқа тілі: орыс тілі");
    // "Page X of Y" runs from 1 to the document's page count, in each part's words.
    const pageLine = {
      ru: (x: number) => `Страница ${x} из ${total}`,
      en: (x: number) => `Page ${x} of ${total}`,
      kk: (x: number) => `${total} беттің ${x}-беті`,
    };
    const langOfPage = parts.flatMap((lang, i) => Array.from({ length: sizes[i]! }, () => lang));
    pages.forEach((page, i) => expect(squash(page)).toContain(pageLine[langOfPage[i]!](i + 1)));
    expect(text).not.toMatch(/Page 1 of|беттің 1-беті/);
    // Every page's content is marked with its part's language, and only that one.
    expect(pageLanguages(out.bytes())).toEqual(langOfPage.map((l) => [l]));
    // Flagged names are reported once, however many parts show them.
    expect(result.flaggedNames).toEqual(["አበበ ቢቂላ"]);
    expect(result.flaggedTotal).toBe(3);
  });

  it("marks a single letter's pages with its language", async () => {
    const { pdf, result } = await render(letter({ lang: "kk" }), fixtureRows());
    expect(pageLanguages(pdf)).toEqual(Array.from({ length: result.pages }, () => ["kk"]));
  });
});

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { WORLD_NAMES } from "../../tests/fixtures/world-names";
import { renderLetter, type LetterInput, type LetterSignatory } from "./render.server";

/**
 * Issue 15: letters draw names, cities and organizations in their own scripts — checked with
 * poppler (pdftotext finds each exactly, in logical order; pdffonts lists the fonts embedded
 * and subset) and looked at through pdftoppm.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "appeals-world-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function letter(overrides: Partial<LetterInput> = {}): LetterInput {
  return {
    lang: "en",
    originalLanguage: "en",
    organization: "Coalition for Human Rights",
    generatedAt: new Date("2026-03-05T10:00:00Z"),
    snapshotId: "world-1",
    title: "Open letter",
    bodyMarkdown: "We, the undersigned, ask you to act.",
    addressees: [],
    revision: 1,
    appealUrl: "https://appeals.example.org/a/world",
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
    count: WORLD_NAMES.length,
    ...overrides,
  };
}

async function* rows(): AsyncGenerator<LetterSignatory> {
  for (const [i, w] of WORLD_NAMES.entries()) {
    yield {
      name: w.name,
      city: w.city,
      country: w.country,
      organization: w.organization ?? null,
      position: null,
      confirmedAt: new Date(Date.UTC(2026, 1, 1 + i, 12)),
      revision: 1,
    };
  }
}

async function render(input: LetterInput, signatories: AsyncIterable<LetterSignatory>, name: string) {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const result = await renderLetter(input, signatories, out);
  const file = path.join(tmp, `${name}.pdf`);
  fs.writeFileSync(file, Buffer.concat(chunks));
  if (process.env.KEEP_PDF) fs.copyFileSync(file, path.join(process.env.KEEP_PDF, `${name}.pdf`));
  return { file, result };
}

/** One signatory row per name. */
async function* namesOnly(names: readonly { name: string; city?: string }[]): AsyncGenerator<LetterSignatory> {
  for (const [i, n] of names.entries()) {
    yield {
      name: n.name,
      city: n.city ?? null,
      country: null,
      organization: null,
      position: null,
      confirmedAt: new Date(Date.UTC(2026, 1, 1 + i)),
      revision: 1,
    };
  }
}

/** pdftotext's text without the U+202A…U+202E marks it puts around right-to-left lines. */
function textOf(file: string): string {
  return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/[\u202a-\u202e]/g, "");
}

const TOWER = WORLD_NAMES.find((w) => w.script.includes("combining"))!;
const LONG = WORLD_NAMES.find((w) => w.script.includes("longer than a list row"))!;

describe("letters in every script (issue 15)", () => {
  it("prints each name, city and organization exactly as written, in logical order; none transliterated; fonts embedded as subsets", async () => {
    const { file, result } = await render(letter(), rows(), "world");
    expect(result.flaggedTotal).toBe(0);
    const text = textOf(file);
    const lines = text.split("\n").map((l) => l.trim());
    for (const w of WORLD_NAMES) {
      if (w === TOWER || w === LONG) continue;
      expect(lines, w.script).toContain(w.name.normalize("NFC"));
      expect(lines, w.script).toContain(w.city.normalize("NFC"));
      if (w.organization) expect(lines, w.script).toContain(w.organization.normalize("NFC"));
    }
    // The tower: poppler drops a mark drawn twice on the same spot (its duplicate-text rule), so
    // the letters and the rest of the name are checked, each mark kind once.
    const tower = lines.find((l) => l.endsWith(" Test") && l.startsWith("Z"))!;
    expect(tower.replace(/\p{M}/gu, "")).toBe("Zalgo Test");
    expect(new Set(tower.match(/\p{M}/gu))).toEqual(new Set(TOWER.name.normalize("NFC").match(/\p{M}/gu)));
    // The long name wraps onto the row's second line, whole (no "…").
    const at = lines.findIndex((l) => LONG.name.startsWith(l) && l.length > 10);
    expect(`${lines[at]} ${lines[at + 1]}`).toBe(LONG.name);
    expect(text).not.toContain("…");

    const fonts = execFileSync("pdffonts", [file], { encoding: "utf8" });
    for (const family of ["NotoSansArabic", "NotoSansHebrew", "NotoSansSC", "NotoSansKR", "NotoSansDevanagari", "NotoSansThai"]) {
      // "ABCDEF+Name  CID TrueType  Identity-H  yes yes yes": embedded, subset, with a ToUnicode map.
      expect(fonts, family).toMatch(new RegExp(`^[A-Z]{6}\\+${family}-Regular\\s.*yes\\s+yes\\s+yes`, "m"));
    }
    expect(fs.statSync(file).size).toBeLessThan(400_000);
    execFileSync("qpdf", ["--check", file], { encoding: "utf8" });
  });

  it("prints the organization, the addressees and the title in their scripts too", async () => {
    const input = letter({
      organization: "منظمة حقوق الإنسان في كازاخستان",
      addressees: [{ name: "김민준", position: "위원장", institution: "人权委员会" }],
      title: "מכתב פתוח לנשיא הפרלמנט",
      count: 1,
    });
    const { file } = await render(input, namesOnly([{ name: "ليلى حسن" }]), "heading");
    const lines = textOf(file)
      .split("\n")
      .map((l) => l.trim());
    for (const s of ["منظمة حقوق الإنسان في كازاخستان", "김민준", "위원장", "人权委员会", "מכתב פתוח לנשיא הפרלמנט"]) expect(lines).toContain(s);
    execFileSync("qpdf", ["--check", file], { encoding: "utf8" });
  });

  it("draws the body's paragraphs in other scripts too: bold, italic and links kept, right-to-left sentences in order, across pages", async () => {
    const arabic = "نطالب بالإفراج عن المعتقلين";
    const body = [
      `We stand with **ليلى حسن** and [王小明](https://example.org/wang), and with प्रिया शर्मा.`,
      arabic,
      "_陳美玲 from 臺北_ writes too.",
      // Enough paragraphs to go on to the next pages (mostly left to right: poppler reads a page
      // whose lines are mostly right to left as a right-to-left page, and a left-to-right sentence
      // on it in its own order).
      ...Array.from({ length: 60 }, (_, i) => `Paragraph ${i + 1}: 김민준 from 서울 and 陳美玲 from 臺北 sign too.`),
    ].join("\n\n");
    const { file, result } = await render(letter({ bodyMarkdown: body, count: 1 }), namesOnly([{ name: "ليلى حسن" }]), "body");
    expect(result.pages).toBeGreaterThan(1);
    const lines = textOf(file)
      .split("\n")
      .map((l) => l.trim());
    // Words in reading order (poppler moves the space next to a right-to-left run inside it).
    const squashed = (t: string) => t.replace(/\s+/g, "");
    expect(lines.map(squashed)).toContain(squashed("We stand with ليلى حسن and 王小明, and with प्रिया शर्मा."));
    expect(lines).toContain(arabic);
    expect(lines).toContain("Paragraph 60: 김민준 from 서울 and 陳美玲 from 臺北 sign too.");
    expect(textOf(file)).not.toMatch(/WangXiaoMing|mhmd/);
    // The link is an annotation over its text.
    const qdf = execFileSync("qpdf", ["--qdf", "--object-streams=disable", file, "-"], { encoding: "latin1", maxBuffer: 64 * 1024 * 1024 });
    expect(qdf).toContain("(https://example.org/wang)");
    // …drawn and underlined in the links' blue (BODY.link, #1a4f8b), as pdfkit draws links elsewhere.
    expect(qdf).toMatch(/(^|\s)0\.1 0\.31 0\.55 rg\b/m);
    expect(qdf).toMatch(/(^|\s)0\.1 0\.31 0\.55 RG\b/m);
    // Italic leans (the script fonts have no italic face): a slanted text matrix.
    expect(lines).toContain("陳美玲 from 臺北 writes too.");
    expect(qdf).toMatch(/1 0 0\.2 1 [\d.]+ [\d.]+ Tm/);
    execFileSync("qpdf", ["--check", file], { encoding: "utf8" });
  });

  it("keeps characters beyond the BMP whole: drawn when a font has them (𠳐), transliterated when none does (𠮷)", async () => {
    const names = [{ name: "𠳐明 王" }, { name: "𠮷野 家" }];
    const { file, result } = await render(letter({ count: 2 }), namesOnly(names), "astral");
    expect(result.flaggedNames).toEqual(["𠮷野 家"]);
    const text = textOf(file);
    expect(text).toContain("𠳐明 王");
    expect(text).not.toContain("\ufffd");
  });

  it("keeps the zero-width non-joiner a Persian name needs, and drops joiners elsewhere", async () => {
    const names = [{ name: "مهرنوش می\u200cخواهد" }, { name: "Anna\u200d Maria" }];
    const { file } = await render(letter({ count: 2 }), namesOnly(names), "joiners");
    const text = textOf(file);
    expect(text).toContain("Anna Maria");
    expect(text).toContain("مهرنوش");
  });

  it("loads a script's font only when a letter needs it", async () => {
    const { file } = await render(letter({ count: 2 }), namesOnly([{ name: "Айгерім Сейітқалиева" }, { name: "Zofia Łukasiewicz" }]), "cyrillic");
    const fonts = execFileSync("pdffonts", [file], { encoding: "utf8" });
    expect(fonts).not.toContain("Noto");
    const korean = await render(letter({ count: 1 }), namesOnly([{ name: "김민준" }]), "korean");
    const koreanFonts = execFileSync("pdffonts", [korean.file], { encoding: "utf8" });
    expect(koreanFonts).toContain("NotoSansKR");
    expect(koreanFonts).not.toMatch(/NotoSans(SC|Arabic|Hebrew|Devanagari|Thai)/);
  });

  it("transliterates only what no bundled font draws, marks it † and names it", async () => {
    const names = [{ name: "አበበ ቢቂላ", city: "አዲስ አበባ" }, { name: "ليلى حسن" }, { name: "王小明" }];
    const { file, result } = await render(letter({ count: names.length }), namesOnly(names), "ethiopic");
    expect(result.flaggedNames).toEqual(["አበበ ቢቂላ"]);
    const text = textOf(file);
    expect(text).toContain("'abebe bik'ila †");
    expect(text).toContain("ليلى حسن");
    expect(text).toContain("王小明");
  });
});

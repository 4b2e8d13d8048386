import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { CONTENT_BOTTOM, PAGE_WIDTH } from "./layout";
import { renderLetter, type LetterInput, type LetterSignatory } from "./render.server";
import { splitLongWords } from "./word-break.server";

/**
 * One 99,000-character word in an appeal body took 12 minutes to lay out: pdfkit cuts a word
 * wider than the line by re-measuring the rest of the word after every line (quadratic). These
 * hold the letter to seconds for such words wherever user text is drawn, to a layout time that
 * grows about linearly with the word, and to text extraction that gives the word back whole.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "long-words-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A word of `length` letters from `alphabet`, not periodic (a piece out of order would show). */
function word(alphabet: string, length: number, seed = 7): string {
  const letters = [...alphabet];
  let x = seed;
  let s = "";
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += letters[(x >>> 16) % letters.length];
  }
  return s;
}

function input(overrides: Partial<LetterInput>): LetterInput {
  return {
    lang: "en",
    originalLanguage: "en",
    organization: "Green Almaty",
    generatedAt: new Date("2025-03-05T10:00:00Z"),
    snapshotId: "long-words",
    title: "An open letter",
    bodyMarkdown: "Dear Sir,",
    addressees: [{ name: "The Minister", position: "Minister of Culture", institution: "Ministry of Culture" }],
    revision: 1,
    appealUrl: "https://appeals.example.org/appeals/long",
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
    count: 0,
    ...overrides,
  };
}

async function* rowsOf(list: LetterSignatory[]): AsyncGenerator<LetterSignatory> {
  yield* list;
}

async function render(letter: LetterInput, rows: LetterSignatory[] = []): Promise<{ pdf: Buffer; ms: number }> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const started = performance.now();
  await renderLetter({ ...letter, count: rows.length }, rowsOf(rows), out);
  return { pdf: Buffer.concat(chunks), ms: performance.now() - started };
}

let fileNo = 0;
/** The text above the footers of every page, as pdftotext extracts it, with all white space removed. */
function bodyText(pdf: Buffer): string {
  const file = path.join(tmp, `letter-${++fileNo}.pdf`);
  fs.writeFileSync(file, pdf);
  const text = execFileSync(
    "pdftotext",
    ["-enc", "UTF-8", "-x", "0", "-y", "0", "-W", String(Math.ceil(PAGE_WIDTH)), "-H", String(Math.floor(CONTENT_BOTTOM)), file, "-"],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return text.replace(/\s+/g, "");
}

/**
 * `expected` occurs in `text`, whole; on failure says where it first differs (not 99,000 characters).
 */
function expectWhole(text: string, expected: string): void {
  if (text.includes(expected)) return;
  const head = expected.slice(0, 20);
  const at = text.indexOf(head);
  let same = 0;
  if (at >= 0) while (same < expected.length && text[at + same] === expected[same]) same++;
  expect.fail(
    at < 0
      ? `the text does not contain the start ${JSON.stringify(head)}`
      : `the text differs after ${same} of ${expected.length} characters: ${JSON.stringify(text.slice(at + same - 10, at + same + 10))}`,
  );
}

/** Times of one render each; the letter must not take minutes (12 were measured before). */
const LONG = 99_000;
const SECONDS = 60_000;

describe("a word longer than a line", () => {
  it("a 99,000-character word in the body renders in seconds, and pdftotext gives it back whole, in order", { timeout: 2 * SECONDS }, async () => {
    const latin = word("abcdefghijklmnopqrstuvwxyz", LONG);
    const { pdf, ms } = await render(input({ bodyMarkdown: `Before ${latin} after.` }));
    expect(ms).toBeLessThan(SECONDS);
    const text = bodyText(pdf);
    expectWhole(text, `Before${latin}after.`);
    expect(text.split(latin.slice(0, 40)).length).toBe(2);
  });

  it("a 99,000-character Cyrillic word in the body of a Russian letter, too", { timeout: 2 * SECONDS }, async () => {
    const cyrillic = word("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі", LONG);
    const { pdf, ms } = await render(input({ lang: "ru", originalLanguage: "ru", bodyMarkdown: `Уважаемые **${cyrillic}** господа.` }));
    expect(ms).toBeLessThan(SECONDS);
    expectWhole(bodyText(pdf), `Уважаемые${cyrillic}господа.`);
  });

  it("long words in the title, the organization, an addressee, a code block and a table render in seconds", { timeout: 4 * SECONDS }, async () => {
    const w = word("abcdefghijklmnopqrstuvwxyzабвгдеж", 20_000, 11);
    const { pdf, ms } = await render(
      input({
        title: w,
        organization: w,
        addressees: [{ name: w, position: w, institution: w }],
        bodyMarkdown: `# ${w}\n\n\`\`\`\n${w}\n\`\`\`\n\n| a | b |\n|---|---|\n| ${w} | x |\n\n- [${w}](https://example.org/${w})\n`,
      }),
    );
    expect(ms).toBeLessThan(2 * SECONDS);
    const text = bodyText(pdf);
    expect(text.split(w).length - 1).toBeGreaterThanOrEqual(9);
  });

  it("99,000-character names, places and organizations of signatories render in seconds (cut with …)", { timeout: 2 * SECONDS }, async () => {
    const w = word("abcdefghijklmnopqrstuvwxyzабвгдеж王", LONG, 3);
    const row: LetterSignatory = { name: w, city: w, country: "KZ", organization: w, position: w, confirmedAt: new Date(Date.UTC(2025, 0, 1)), revision: 1 };
    const { pdf, ms } = await render(input({}), [row, row, row]);
    expect(ms).toBeLessThan(SECONDS);
    expect(bodyText(pdf)).toContain("…");
  });

  it("layout time grows about linearly with the word: 4× the length takes less than 8× the time", { timeout: 4 * SECONDS }, async () => {
    const short = word("abcdefghijklmnopqrstuvwxyz", 24_000, 5);
    const long = word("abcdefghijklmnopqrstuvwxyz", 96_000, 5);
    await render(input({ bodyMarkdown: "warm-up" }));
    const a = await render(input({ bodyMarkdown: short }));
    const b = await render(input({ bodyMarkdown: long }));
    // A floor under the short time: it is mostly fixed costs (fonts, two documents) and noise.
    expect(b.ms).toBeLessThan(8 * Math.max(a.ms, 300));
  });
});

describe("splitLongWords", () => {
  const unit = () => 1;
  const split = (text: string, advance: (codePoint: number) => number, max: number) => splitLongWords(text, advance, max).join("|");

  it("leaves text whose words fit the line in one piece", () => {
    expect(splitLongWords("short words, a line of them", unit, 10)).toEqual(["short words, a line of them"]);
  });

  it("cuts a long word into pieces no wider than the line, that put together are the text", () => {
    const text = `ab ${"x".repeat(25)} cd`;
    expect(split(text, unit, 10)).toBe("ab xxxxxxxxxx|xxxxxxxxxx|xxxxx cd");
    expect(splitLongWords(text, unit, 10).join("")).toBe(text);
  });

  it("prefers to end a piece after a hyphen or slash when that keeps half of it", () => {
    expect(split("abcdefg-hijklmnop", unit, 10)).toBe("abcdefg-|hijklmnop");
    expect(split("ab-cdefghijklmnop", unit, 10)).toBe("ab-cdefghi|jklmnop");
  });

  it("never separates a combining mark from its letter, nor the halves of a surrogate pair", () => {
    expect(split("aaaaaaaaaa\u0301\u0301bbbb", (cp) => (cp === 0x301 ? 0.5 : 1), 10)).toBe("aaaaaaaaaa\u0301\u0301|bbbb");
    expect(split("𝐀".repeat(12), unit, 10)).toBe(`${"𝐀".repeat(10)}|𝐀𝐀`);
  });

  it("puts a single character wider than the line in a piece of its own", () => {
    expect(split("WWW", () => 20, 10)).toBe("W|W|W");
  });
});

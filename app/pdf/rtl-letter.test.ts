import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_LEFT, CONTENT_RIGHT, CONTENT_WIDTH, PAGE_WIDTH } from "./layout";
import { renderCombined, renderLetter, type LetterInput, type LetterSignatory } from "./render.server";

/**
 * Issue 15: a letter whose language is written right to left (Arabic, Persian) lays out right to
 * left — read back with poppler: pdftotext (plain and -layout) finds the title, the paragraphs
 * and every name in logical order; -bbox-layout shows the text aligned right and the table's
 * number column on the right; pdfinfo -struct the tagged structure; qpdf --check the file.
 * KEEP_PDF=<dir> keeps the files (pdftoppm them to look).
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "appeals-rtl-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

interface Signer {
  name: string;
  city: string;
  country: string;
  organization?: string;
}

/** Arabic, Persian (with its non-joiner), Latin and Cyrillic signatories; one name too long for its line. */
const SIGNERS: Signer[] = [
  { name: "ليلى حسن", city: "عمّان", country: "JO", organization: "منظمة حقوق الإنسان" },
  { name: "زهرا رضایی", city: "تهران", country: "IR" },
  { name: "مهرنوش می\u200cخواهد", city: "شیراز", country: "IR" },
  { name: "John Smith", city: "London", country: "GB", organization: "Amnesty International" },
  { name: "Анна Иванова", city: "Алматы", country: "KZ" },
  { name: "Айгерім Сейітқалиева", city: "Астана", country: "KZ" },
  { name: "Maria Alexandra Konstantinopoulou-Vasilakopoulou Wiśniewska-Brzęczyszczykiewicz de la Santísima Trinidad", city: "Athens", country: "GR" },
];

interface Case {
  lang: "ar" | "fa";
  organization: string;
  title: string;
  paragraphs: string[];
  addressee: { name: string; position: string; institution: string };
  signatoriesTitle: string;
}

const CASES: Case[] = [
  {
    lang: "ar",
    organization: "منظمة حقوق الإنسان",
    title: "رسالة مفتوحة إلى وزير العدل",
    paragraphs: ["نحن الموقعين أدناه نطالبكم بالإفراج عن المعتقلين", "We, the undersigned, ask you to act"],
    addressee: { name: "السيد الوزير", position: "وزير العدل", institution: "وزارة العدل" },
    signatoriesTitle: "الموقّعون",
  },
  {
    lang: "fa",
    organization: "انجمن حقوق بشر",
    // (Not "نامهٔ": poppler extracts the hamza above, drawn in its place, as a line of its own.)
    title: "نامه سرگشاده به وزیر دادگستری",
    paragraphs: ["ما امضاکنندگان از شما می\u200cخواهیم زندانیان را آزاد کنید", "Мы, нижеподписавшиеся, просим вас действовать"],
    addressee: { name: "جناب آقای وزیر", position: "وزیر دادگستری", institution: "وزارت دادگستری" },
    signatoriesTitle: "امضاکنندگان",
  },
];

function input(c: Case): LetterInput {
  return {
    lang: c.lang,
    originalLanguage: c.lang,
    organization: c.organization,
    generatedAt: new Date("2026-03-05T10:00:00Z"),
    snapshotId: `rtl-${c.lang}`,
    title: c.title,
    bodyMarkdown: `${c.paragraphs.join("\n\n")}\n\n1. ${c.paragraphs[0]}\n2. ${c.paragraphs[1]}`,
    addressees: [c.addressee],
    revision: 2,
    appealUrl: "https://appeals.example.org/a/rtl",
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
    count: SIGNERS.length,
    ledger: { size: SIGNERS.length, root: "3b7e0c1d5a9f42e8b6c0d1e2f3a4b5c6d7e8f90123456789abcdef0123456789" },
  };
}

async function* rows(): AsyncGenerator<LetterSignatory> {
  for (const [i, s] of SIGNERS.entries()) {
    yield {
      name: s.name,
      city: s.city,
      country: s.country,
      organization: s.organization ?? null,
      position: null,
      confirmedAt: new Date(Date.UTC(2026, 1, 1 + i, 12)),
      revision: i === 1 ? 1 : 2,
    };
  }
}

/**
 * pdftotext's lines, without the U+202A…U+202E marks it puts around right-to-left text, trimmed.
 * Poppler drops the zero-width non-joiner (drawn: "می‌خواهد" keeps its shape), so `plain` does too.
 */
function lines(file: string, layout = false): string[] {
  const text = run("pdftotext", ["-enc", "UTF-8", ...(layout ? ["-layout"] : []), file, "-"]).replace(/[\u202a-\u202e]/g, "");
  return text.split("\n").map((l) => l.trim());
}

const plain = (s: string) => s.replace(/\u200c/g, "");

/** The letters of a text, in any order: pdftotext -bbox-layout gives right-to-left words in visual order, cut where glyphs part. */
const letters = (s: string) => [...plain(s).replace(/[\s\u202a-\u202e]/g, "")].sort().join("");

interface Word {
  text: string;
  xMin: number;
  xMax: number;
  yMin: number;
}

/** Each pdftotext -bbox-layout line: its words joined and its extent. */
function bboxLines(file: string): Word[] {
  const html = run("pdftotext", ["-enc", "UTF-8", "-bbox-layout", file, "-"]);
  const out: Word[] = [];
  for (const m of html.matchAll(/<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([\s\S]*?)<\/line>/g)) {
    const words = [...m[4]!.matchAll(/<word [^>]*>([^<]*)<\/word>/g)].map((w) => w[1]!);
    out.push({ text: words.join(" ").replace(/[\u202a-\u202e]/g, ""), xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]) });
  }
  return out;
}

describe.each(CASES)("a letter in $lang (right to left)", (c) => {
  let file: string;
  beforeAll(async () => {
    file = path.join(tmp, `rtl-${c.lang}.pdf`);
    const result = await renderLetter(input(c), rows(), fs.createWriteStream(file));
    expect(result.flaggedTotal).toBe(0);
    if (process.env.KEEP_PDF) fs.copyFileSync(file, path.join(process.env.KEEP_PDF, `rtl-${c.lang}.pdf`));
  });

  it("pdftotext finds the heading, the paragraphs and every name exactly, in logical order (plain and -layout)", () => {
    const text = lines(file);
    for (const s of [c.organization, c.title, c.addressee.name, c.addressee.position, c.addressee.institution, ...c.paragraphs, c.signatoriesTitle]) {
      expect(text, s).toContain(plain(s));
    }
    for (const s of SIGNERS.slice(0, -1)) expect(text, s.name).toContain(plain(s.name));
    const long = SIGNERS[SIGNERS.length - 1]!.name;
    const at = text.findIndex((l) => long.startsWith(l) && l.length > 10);
    expect(`${text[at]} ${text[at + 1]}`).toBe(long);
    // -layout keeps the page's columns: each name is a whole phrase of its row.
    const layout = lines(file, true).join("\n");
    for (const s of [c.title, ...c.paragraphs, ...SIGNERS.slice(0, -1).map((s) => s.name)]) expect(layout, s).toContain(plain(s));
  });

  it("aligns the heading, the title and every paragraph right, the date left; the table's number column is on the right", () => {
    const bbox = bboxLines(file);
    const line = (s: string) => {
      const found = bbox.find((l) => letters(l.text) === letters(s));
      expect(found, s).toBeDefined();
      return found!;
    };
    // Right-aligned: ends at the right margin (within a point), starts well inside the page.
    for (const s of [c.organization, c.title, ...c.paragraphs, c.signatoriesTitle]) {
      const l = line(s);
      expect(Math.abs(l.xMax - CONTENT_RIGHT), s).toBeLessThan(1.5);
      expect(l.xMin, s).toBeGreaterThan(CONTENT_LEFT + 20);
    }
    // The date sits on the left, on the organization's line.
    const date = bbox.find((l) => l.text.includes("2026") && Math.abs(l.yMin - line(c.organization).yMin) < 6)!;
    expect(date).toBeDefined();
    expect(Math.abs(date.xMin - CONTENT_LEFT)).toBeLessThan(1.5);
    // The addressees: the left half, aligned right (the mirror of a left-to-right letter's right half).
    const addressee = line(c.addressee.name);
    expect(Math.abs(addressee.xMax - (PAGE_WIDTH - (CONTENT_LEFT + CONTENT_WIDTH * 0.46)))).toBeLessThan(1.5);
    // Each row: its number on the right of its name, the names aligned right in their column.
    const names = SIGNERS.slice(0, -1).map((s) => line(s.name));
    const rights = names.map((n) => n.xMax);
    expect(Math.max(...rights) - Math.min(...rights)).toBeLessThan(1.5);
    for (const [i, n] of names.entries()) {
      const number = bbox.find((l) => l.text === String(i + 1) && Math.abs(l.yMin - n.yMin) < 8);
      expect(number, `row ${i + 1}`).toBeDefined();
      expect(number!.xMin).toBeGreaterThan(n.xMax);
      expect(number!.xMax).toBeGreaterThan(CONTENT_RIGHT - 5);
    }
  });

  it("is tagged in its language, with the table's header and rows, and passes qpdf --check", () => {
    const info = run("pdfinfo", [file]);
    expect(info).toMatch(/Tagged:\s+yes/);
    const structure = run("pdfinfo", ["-struct", file]);
    expect(structure).toMatch(/Table \(block\)\n +THead\n +TR\n( +TH:\n +\/Scope \/Column\n){4} +TBody\n +TR\n( +TD\n){4}/);
    expect((structure.match(/^ +TD$/gm) ?? []).length).toBe(4 * SIGNERS.length);
    const qdf = run("qpdf", ["--qdf", "--object-streams=disable", file, "-"]);
    expect(qdf).toContain(`/Lang (${c.lang})`);
    execFileSync("qpdf", ["--check", file], { encoding: "utf8" });
    const fonts = run("pdffonts", [file]);
    expect(fonts).toMatch(/^[A-Z]{6}\+NotoSansArabic-Regular\s.*yes\s+yes\s+yes/m);
  });
});

describe("a combined letter: an Arabic part, then a Russian one", () => {
  it("lays out each part in its own direction, with its bookmark and /Lang; the document's /Lang is the first part's", async () => {
    const file = path.join(tmp, "rtl-combined.pdf");
    const ar = { ...input(CASES[0]!), bodyMarkdown: "Body text in the Arabic part" };
    const ru = { ...input(CASES[0]!), lang: "ru", title: "Открытое письмо министру", bodyMarkdown: "Body text in the Russian part" };
    await renderCombined(
      [
        { input: ar, rows },
        { input: ru, rows },
      ],
      fs.createWriteStream(file),
    );
    const bbox = bboxLines(file);
    const arBody = bbox.find((l) => l.text === "Body text in the Arabic part")!;
    const ruBody = bbox.find((l) => l.text === "Body text in the Russian part")!;
    expect(Math.abs(arBody.xMax - CONTENT_RIGHT)).toBeLessThan(1.5);
    expect(Math.abs(ruBody.xMin - CONTENT_LEFT)).toBeLessThan(1.5);
    const outlines = (JSON.parse(run("qpdf", ["--json=2", "--json-key=outlines", file])) as { outlines: { title: string }[] }).outlines;
    expect(outlines.map((o) => o.title)).toEqual([`العربية — ${CASES[0]!.title}`, "Русский — Открытое письмо министру"]);
    const qdf = run("qpdf", ["--qdf", "--object-streams=disable", file, "-"]);
    expect(qdf).toMatch(/\/Lang \(ar\)/);
    expect(qdf).toMatch(/\/Lang \(ru\)/);
    expect(run("pdfinfo", [file])).toMatch(/Tagged:\s+yes/);
    execFileSync("qpdf", ["--check", file], { encoding: "utf8" });
  });
});

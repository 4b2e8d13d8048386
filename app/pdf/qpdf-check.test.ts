import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureNames } from "../../tests/fixtures/campaign";
import { CONTENT_LANGUAGES } from "../i18n/languages";
import { renderCombined, renderLetter, type LetterInput, type LetterSignatory } from "./render.server";

/**
 * Every form the delivery letter takes, held to a checker we did not write: `qpdf --check`
 * (Debian's qpdf) must find the file clean — exit 0 and no warning — whatever the language, the
 * size, or the names (every script of tests/fixtures/names.json).
 */

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qpdf-check-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const loadNames = fixtureNames;

const NAMES = loadNames();

/** `count` rows cycling through the fixture's names (numbered past the first round). */
async function* rows(count: number): AsyncGenerator<LetterSignatory> {
  for (let i = 0; i < count; i++) {
    const n = NAMES[i % NAMES.length]!;
    yield {
      name: i < NAMES.length ? n.name : `${n.name} ${i}`,
      city: n.city,
      country: n.country,
      organization: i % 7 === 0 ? "Фонд «Наследие» & Co. <b>" : null,
      position: i % 7 === 0 ? "директор" : null,
      confirmedAt: new Date(Date.UTC(2025, 1, 1, 12) + i * 60_000),
      revision: i % 5 === 0 ? 1 : 2,
    };
  }
}

const BODY = `Уважаемые господа!

Мы просим **немедленно** пересмотреть решение. Подробнее: [сайт кампании](https://example.org/campaign?a=1&b=(2)).

## Требования

1. Остановить снос.
2. Опубликовать документы.

- первый пункт
- второй пункт, с \`кодом\` и _курсивом_

> Цитата.

Текст с <b>разметкой</b> остаётся текстом.`;

function input(lang: string, count: number): LetterInput {
  return {
    lang,
    originalLanguage: "ru",
    organization: "Общественное объединение «Зелёный Алматы» (Ζ, Ł, Ғ)",
    generatedAt: new Date("2025-03-05T10:00:00Z"),
    snapshotId: `qpdf-${lang}-${count}`,
    title: "Открытое письмо о сохранении здания — 🏛 (emoji and ∑ symbols)",
    bodyMarkdown: BODY,
    addressees: [
      { name: "Roberta Metsola", position: "President of the European Parliament", institution: "European Parliament" },
      { name: "Әбілқайыр Сейітов", position: "Министр культуры", institution: "" },
    ],
    revision: 2,
    appealUrl: `https://appeals.example.org/appeals/save-abay?lang=${lang}`,
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
    count,
  };
}

async function qpdfCheck(file: string): Promise<{ code: number; output: string }> {
  return run("qpdf", ["--check", file]).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (e: unknown) => {
      const field = (name: string) => (e instanceof Error && name in e ? String(Reflect.get(e, name)) : "");
      return { code: Number(field("code")) || 1, output: field("stdout") + field("stderr") };
    },
  );
}

async function expectClean(name: string, write: (out: fs.WriteStream) => Promise<unknown>) {
  const file = path.join(tmp, `${name}.pdf`);
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => out.on("close", () => resolve()).on("error", reject));
  await write(out);
  await done;
  const check = await qpdfCheck(file);
  expect(check.output, name).not.toMatch(/WARNING/);
  expect(check.output, name).toContain("No syntax or stream encoding errors found");
  expect(check.code, `${name}: ${check.output}`).toBe(0);
}

describe("qpdf --check finds every letter form clean", () => {
  it.each(CONTENT_LANGUAGES.map((l) => [l]))("the letter in %s, with every fixture name", async (lang) => {
    await expectClean(`single-${lang}`, (out) => renderLetter(input(lang, NAMES.length), rows(NAMES.length), out));
  });

  it("a small letter: no signatory, and one", async () => {
    await expectClean("empty", (out) => renderLetter(input("ru", 0), rows(0), out));
    await expectClean("one", (out) => renderLetter(input("en", 1), rows(1), out));
  });

  it("a big letter: 4,000 signatories", async () => {
    await expectClean("big", (out) => renderLetter(input("kk", 4000), rows(4000), out));
  }, 60_000);

  it("the combined letter (ru, en, kk), small and big", async () => {
    for (const count of [NAMES.length, 3000]) {
      await expectClean(`combined-${count}`, (out) =>
        renderCombined(
          ["ru", "en", "kk"].map((lang) => ({ input: input(lang, count), rows: () => rows(count) })),
          out,
        ),
      );
    }
  }, 60_000);
});

import { execFile, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { getDb } from "../../tests/setup/vitest-db";
import { databaseUrl } from "../../db/client";
import type { Disclosure } from "../../db/schema";
import { action as lettersAction } from "../routes/dashboard.appeals.$id.letters";
import { loader as downloadLoader } from "../routes/dashboard.appeals.$id.letters.$letterId[.]pdf";
import { loader as zipLoader } from "../routes/dashboard.appeals.$id.letters[.]zip";
import { loader as signedLoader } from "../routes/letters.$code[.]pdf";
import { action as verifyAction, loader as verifyLoader } from "../routes/verify.$code";
import { env, parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { addAddressee, createAppeal, editAddressee, publish, saveVersion } from "./appeals.server";
import { addAttachment } from "./attachments.server";
import { generateLetter } from "./letter-generate.server";
import { composeMessage } from "../../emails/transport.server";
import { action as orgAction } from "../routes/dashboard.orgs.$orgId";
import { signIntent } from "../utils/intent.server";
import { deliver, MAX_MAIL_ATTACHMENT_BYTES, resend, reviewDelivery, reviewResend } from "./delivery.server";
import { setContactEmail } from "./organizations.server";
import { generateNow, holdLetterLock, markReady, requeueInterrupted } from "./letter-pipeline.server";
import { letterFile, lettersPage, MAX_ATTACHED_LETTER_BYTES, requestLetters, verification, zipContents } from "./letters.server";
import { pathOf } from "./storage.server";
import { openMail } from "./outbox.server";
import { compiled } from "../../server/compiled.mjs";
import { open } from "./data-key.server";

/**
 * The delivery letter as organizers, addressees and verifiers meet it: letters generated from a
 * real database, read back with poppler (pdftotext, pdfinfo) as a recipient's viewer would.
 */

// Before anything reads the configuration: files go to a throwaway DATA_DIR.
const { dataDir } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/appeals-letters-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return { dataDir: dir };
});

/**
 * A disk that fills up mid-write: a file written under a folder named "disk-full" takes its first
 * 16 KB, then every write fails with ENOSPC, as on a full disk. Every other file is the real fs.
 */
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const { Writable: WritableStream } = await import("node:stream");
  const LIMIT = 16 * 1024;
  const createWriteStream = (file: string, options?: Parameters<typeof real.createWriteStream>[1]) => {
    const stream = real.createWriteStream(file, options);
    if (!file.split("/").includes("disk-full")) return stream;
    let written = 0;
    return new WritableStream({
      write(chunk: Buffer, _encoding, done) {
        const room = Math.max(0, LIMIT - written);
        written += chunk.length;
        if (chunk.length <= room) return void stream.write(chunk, done);
        stream.write(chunk.subarray(0, room), () =>
          done(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" })),
        );
      },
      final(done) {
        stream.end(done);
      },
      destroy(error, done) {
        stream.destroy();
        stream.once("close", () => done(error));
      },
    });
  };
  return { ...real, createWriteStream, default: { ...real, createWriteStream } };
});

const run = promisify(execFile);

interface FixtureName {
  name: string;
  city: string;
  country: string;
  fallback?: boolean;
}

function fixtureNames(): FixtureName[] {
  const parsed: unknown = JSON.parse(fs.readFileSync("tests/fixtures/names.json", "utf8"));
  const list: unknown = typeof parsed === "object" && parsed !== null && "names" in parsed ? parsed.names : null;
  if (!Array.isArray(list)) throw new Error("names.json: no names array");
  return list.map((v: unknown) => {
    if (typeof v !== "object" || v === null || !("name" in v) || !("city" in v) || !("country" in v)) throw new Error("names.json: bad entry");
    return { name: String(v.name), city: String(v.city), country: String(v.country), fallback: "fallback" in v && v.fallback === true };
  });
}

/** The shared fixture's names, and one in a script no bundled font draws (Ethiopic): the letter transliterates it. */
const UNCOVERED = { name: "አበበ ቢቂላ", city: "አዲስ አበባ", country: "ET", fallback: true };
const NAMES = [...fixtureNames(), UNCOVERED];
const PRIVATE_SIGNER = "Екатерина Вьюгина";
const EARLY_SIGNERS = ["Айгерім Сейітқалиева", "Ғалым Өтегенұлы"]; // signed revision 1
const email = (i: number) => `signer-${i}@mail.example`;

const RU = {
  title: "Остановить преследование независимых журналистов",
  summary: "Коалиция просит освободить журналистов.",
  body: "Уважаемая госпожа Председатель!\n\nМы обращаемся к вам в связи с **преследованием независимых журналистов**.\n\n## Что происходит\n\nЖурналистов задерживают за их _работу_.\n\n1. Освободить задержанных.\n2. Защитить свободу слова.",
};
const EN = {
  title: "Stop the persecution of independent journalists",
  summary: "A coalition asks for the release of journalists.",
  body: "Dear Madam President,\n\nWe write to you about the **persecution of independent journalists**.\n\n## What is happening\n\nJournalists are detained for their _work_.\n\n1. Release the detained.\n2. Protect free speech.",
};
const KK = {
  title: "Тәуелсіз журналистерді қудалауды тоқтатыңыз",
  summary: "Коалиция журналистерді босатуды сұрайды.",
  body: "Құрметті Төраға ханым!\n\nБіз сізге **тәуелсіз журналистерді қудалауға** байланысты жүгінеміз.\n\n## Не болып жатыр\n\nЖурналистер жұмысы үшін ұсталады.\n\n1. Ұсталғандарды босату.\n2. Сөз бостандығын қорғау.",
};
const ADDRESSEES = [
  {
    email: "president@parliament.example",
    translations: {
      ru: { name: "Роберта Метсола", position: "Председателю Европейского парламента", institution: "Европейский парламент" },
      en: { name: "Roberta Metsola", position: "President of the European Parliament", institution: "European Parliament" },
      kk: { name: "Роберта Метсола", position: "Еуропалық парламенттің Төрағасына", institution: "Еуропалық парламент" },
    },
  },
  {
    email: "commissioner@ohchr.example",
    translations: {
      ru: { name: "Фолькер Тюрк", position: "Верховному комиссару ООН по правам человека", institution: "" },
      en: { name: "Volker Türk", position: "UN High Commissioner for Human Rights", institution: "" },
      kk: { name: "Фолькер Тюрк", position: "БҰҰ-ның Адам құқықтары жөніндегі Жоғарғы комиссарына", institution: "" },
    },
  },
  {
    email: null,
    translations: {
      ru: { name: "Кая Каллас", position: "Верховному представителю ЕС", institution: "" },
      en: { name: "Kaja Kallas", position: "EU High Representative", institution: "" },
      kk: { name: "Кая Каллас", position: "ЕО Жоғарғы өкіліне", institution: "" },
    },
  },
];
const ORGANIZATION = "Коалиция «Гражданские свободы»";
const ATTACHMENT = Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");

const slugOf = (prefix: string) => `${prefix}-${crypto.randomBytes(3).toString("hex")}`;
const sha256 = (data: Uint8Array) => crypto.createHash("sha256").update(data).digest("hex");
const tmp = path.join(dataDir, "tmp");

/** A published appeal in ru (original), en and kk with three addressees, at revision `revisions`. */
async function publishedAppeal(options: { revisions?: number; organization?: string } = {}) {
  const owner = await newOrganization(options.organization ?? ORGANIZATION);
  const slug = slugOf("letter");
  const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "ru", title: RU.title });
  await saveVersion(id, owner.userId, "ru", RU);
  await saveVersion(id, owner.userId, "en", EN);
  await saveVersion(id, owner.userId, "kk", KK);
  for (const a of ADDRESSEES) await addAddressee(id, owner.userId, a.email, a.translations);
  await publish(id, owner.userId);
  for (let r = 2; r <= (options.revisions ?? 1); r++) {
    await saveVersion(id, owner.userId, "ru", { ...RU, body: `${RU.body}\n\nРедакция ${r}.` });
    await publish(id, owner.userId, { changeNote: `Уточнение ${r}`, confirmStale: ["en", "kk"] });
  }
  return { owner, id, slug };
}

interface Signer {
  name: string;
  city?: string | null;
  country?: string | null;
  organization?: string | null;
  position?: string | null;
  disclosure?: Disclosure;
  status?: "pending" | "confirmed" | "withdrawn" | "removed";
  revision?: number;
  email?: string | null;
  confirmedAt?: Date;
}

async function addSigners(appealId: number, signers: Signer[]) {
  await getDb()
    .insertInto("signatures")
    .values(
      signers.map((s) => ({
        appeal_id: appealId,
        revision: s.revision ?? 1,
        lang: "ru",
        status: s.status ?? "confirmed",
        name: s.name,
        city: s.city ?? null,
        country: s.country ?? null,
        organization: s.organization ?? null,
        position: s.position ?? null,
        disclosure: s.disclosure ?? "public",
        email: s.email ?? null,
        email_key: s.email ?? null,
        confirmed_at: (s.status ?? "confirmed") === "pending" ? null : (s.confirmedAt ?? new Date()),
        withdrawn_at: s.status === "withdrawn" ? new Date() : null,
      })),
    )
    .execute();
}

/** The fixture's names, confirmed one day apart, with e-mails; plus signatures that must not show. */
async function signFixture(appealId: number, revision: number) {
  await addSigners(appealId, [
    ...NAMES.map((n, i) => ({
      name: n.name,
      city: n.city,
      country: n.country,
      organization: i === 0 ? "Фонд «Наследие»" : null,
      position: i === 0 ? "директор" : null,
      disclosure: n.name === PRIVATE_SIGNER ? ("private" as const) : i % 2 ? ("initials" as const) : ("public" as const),
      revision: EARLY_SIGNERS.includes(n.name) ? 1 : revision,
      email: email(i),
      confirmedAt: new Date(Date.UTC(2025, 1, 1 + i, 12)),
    })),
    { name: "Ожидающий Подтверждения", status: "pending", email: "pending@mail.example" },
    { name: "Отозвавший Подпись", status: "withdrawn", email: "withdrawn@mail.example", confirmedAt: new Date(Date.UTC(2025, 0, 5)) },
    { name: "Удалённый Модератором", status: "removed", email: "removed@mail.example", confirmedAt: new Date(Date.UTC(2025, 0, 6)) },
  ]);
}

/** `count` confirmed signatures in one statement (varied, like the benchmark's). */
async function signMany(appealId: number, count: number) {
  await sql`
    INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, disclosure, email, email_key, confirmed_at)
    SELECT ${appealId}, 1, 'ru', 'confirmed',
           (ARRAY['Айгерім','Zofia','Νίκος','Jürgen','Ғалым'])[1 + i % 5] || ' ' || (ARRAY['Сейітқалиева','Łukasiewicz','Παπαδόπουλος','Weiß','Өтегенұлы'])[1 + (i / 5) % 5] || ' ' || i,
           (ARRAY['Алматы','Łódź','Θεσσαλονίκη'])[1 + i % 3], (ARRAY['KZ','PL','GR'])[1 + i % 3], 'public',
           'bulk-' || i || '@mail.example', 'bulk-' || i || '@mail.example',
           timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second'
    FROM generate_series(1, ${count}) AS i`.execute(getDb());
}

async function generate(appealId: number, userId: number | null, lang: string) {
  const [id] = await requestLetters(appealId, userId, { lang });
  if (id === undefined) throw new Error("no letter requested");
  return { id, ...(await generateNow(id)) };
}

const letterRow = (id: number) => getDb().selectFrom("letters").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

/** The text of a PDF as pdftotext -layout gives it, one string per page. */
function pdfPages(file: string, range: { first: number; last: number } | null = null): string[] {
  const pages = range ? ["-f", String(range.first), "-l", String(range.last)] : [];
  const text = execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", ...pages, file, "-"], { encoding: "utf8", maxBuffer: 1024 ** 3 });
  const split = text.split("\f");
  if (split[split.length - 1]?.trim() === "") split.pop();
  return split;
}

function pdfInfo(file: string): { pages: number; pageSize: string } {
  const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
  return { pages: Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]), pageSize: /^Page size:\s+(.+)$/m.exec(info)?.[1] ?? "" };
}

/** Collapses the spaces -layout puts between columns, for phrases that wrap or sit in columns. */
const flat = (text: string) => text.replace(/\s+/g, " ");

async function thrownStatus(promise: Promise<unknown>): Promise<number | string> {
  return promise.then(
    () => "resolved",
    (e: unknown) => (e instanceof Response ? e.status : e instanceof AppError ? `AppError:${e.code}` : String(e)),
  );
}

async function upload(code: string, bytes: Uint8Array) {
  const form = new FormData();
  form.append("file", new File([Uint8Array.from(bytes)], "letter.pdf", { type: "application/pdf" }));
  const response = await verifyAction({
    request: new Request(`http://localhost/verify/${code}`, { method: "POST", body: form }),
    params: { code },
    context: {},
  });
  const body: unknown = await response.json();
  return body;
}

async function responseBytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

async function settle(promise: Promise<Response>): Promise<Response> {
  return promise.catch((thrown: unknown) => {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  });
}

/** The letter CLI as an operator runs it, against this test's database and DATA_DIR. */
async function cli(args: string[], options: { fileSizeLimitKb?: number } = {}) {
  // The CLI's compiled form is made before the limit applies: the limit is for the letter.
  if (options.fileSizeLimitKb) await compiled("scripts/letter.ts");
  const command = options.fileSizeLimitKb
    ? (["bash", ["-c", `ulimit -f ${options.fileSizeLimitKb} && exec node scripts/run.mjs scripts/letter.ts "$@"`, "letter", ...args]] as const)
    : (["node", ["scripts/run.mjs", "scripts/letter.ts", ...args]] as const);
  return run(command[0], [...command[1]], {
    env: { ...process.env, DATABASE_URL: databaseUrl(), DATA_DIR: dataDir, NODE_ENV: "test" },
    timeout: 120_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: unknown) => {
      const failure = e instanceof Error ? e : new Error(String(e));
      const field = (name: string) => (name in failure ? String(Reflect.get(failure, name)) : "");
      return { code: Number(field("code")) || 1, stdout: field("stdout"), stderr: field("stderr") };
    },
  );
}

/** Files left in the letters folder whose name contains `code` (the PDF or a .part). */
function filesFor(code: string, root = dataDir) {
  const dir = path.join(root, "files", "letters");
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes(code)) : [];
}

/** Runs `work` with DATA_DIR pointing elsewhere, then restores it. */
async function withDataDir<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const saved = env();
  setEnv(parseEnv({ ...process.env, DATA_DIR: dir }));
  try {
    return await work();
  } finally {
    setEnv(saved);
  }
}

// The main appeal: revision 2, the fixture's signers, one letter per language.
let main: Awaited<ReturnType<typeof publishedAppeal>>;
const generated: Record<string, Awaited<ReturnType<typeof generate>>> = {};
const texts: Record<string, string[]> = {};

beforeAll(async () => {
  fs.mkdirSync(tmp, { recursive: true });
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir }));
  main = await publishedAppeal({ revisions: 2 });
  await signFixture(main.id, 2);
  const ids = await requestLetters(main.id, main.owner.userId, { all: true });
  expect(ids).toHaveLength(3);
  for (const id of ids) {
    const result = await generateNow(id);
    const row = await letterRow(id);
    generated[row.lang] = { id, ...result };
    texts[row.lang] = pdfPages(pathOf(result.storageKey));
  }
}, 120_000);

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("the letter in each language", () => {
  const confirmed = NAMES.length;

  it("is an A4 PDF whose every page says 'page X of Y', with Y the real page count, the appeal address, the count and the code", () => {
    for (const lang of ["ru", "en", "kk"]) {
      const letter = generated[lang]!;
      const file = pathOf(letter.storageKey);
      const info = pdfInfo(file);
      expect(info.pageSize).toMatch(/^595\.2\d* x 841\.8\d* pts \(A4\)/);
      expect(info.pages).toBe(letter.pages);
      expect(info.pages).toBeGreaterThanOrEqual(2);
      const pages = texts[lang]!;
      expect(pages).toHaveLength(info.pages);
      const pageLine = {
        ru: (x: number, y: number) => `Страница ${x} из ${y}`,
        en: (x: number, y: number) => `Page ${x} of ${y}`,
        kk: (x: number, y: number) => `${y} беттің ${x}-беті`,
      }[lang]!;
      const countLine = { ru: `${confirmed} подписантов`, en: `${confirmed} signatories`, kk: `${confirmed} қол қоюшы` }[lang]!;
      pages.forEach((page, i) => {
        expect(page).toContain(pageLine(i + 1, info.pages));
        expect(page).toContain(`http://localhost:3000/appeals/${main.slug}?lang=${lang}`);
        expect(page).toContain(letter.code);
        expect(page).toContain(`http://localhost:3000/verify/${letter.code}`);
        expect(page).toContain(countLine);
      });
      expect(pages[pages.length - 1]).toContain(pageLine(info.pages, info.pages));
    }
  });

  it("opens with the organization, the date, the addressees, the title, the revision and the body, all in the letter's language", () => {
    const ru = flat(texts.ru![0]!);
    const en = flat(texts.en![0]!);
    const kk = flat(texts.kk![0]!);
    const year = String(new Date().getUTCFullYear());

    expect(ru).toContain(ORGANIZATION);
    expect(ru).toMatch(new RegExp(`\\d{1,2} (января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря) ${year} г\\.`));
    expect(ru).toContain("Кому:");
    for (const a of ADDRESSEES) expect(ru).toContain(a.translations.ru.name);
    expect(ru).toContain("Председателю Европейского парламента");
    expect(ru).toContain(RU.title);
    expect(ru).toContain("Редакция текста 2");
    expect(ru).not.toContain("Перевод");
    // Markdown is rendered: a heading, bold and italic text, a numbered list; no markup left.
    expect(ru).toContain("Что происходит");
    expect(ru).toContain("в связи с преследованием независимых журналистов.");
    expect(ru).toContain("1. Освободить задержанных.");
    expect(ru).not.toMatch(/\*\*|##|_работу_/);

    expect(en).toContain(ORGANIZATION);
    // Dated the European way for a European institution: "3 December 2026", not "December 3, 2026".
    expect(en).toMatch(new RegExp(`\\b\\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) ${year}`));
    expect(en).toContain("To:");
    for (const a of ADDRESSEES) expect(en).toContain(a.translations.en.name);
    expect(en).toContain("President of the European Parliament");
    expect(en).toContain(EN.title);
    expect(en).toContain("Text revision 2");
    expect(en).toContain("Translation from Russian; the Russian text is authoritative.");
    expect(en).toContain("What is happening");
    expect(en).toContain("1. Release the detained.");

    expect(kk).toContain(ORGANIZATION);
    expect(kk).toContain(year);
    expect(kk).toContain("Кімге:");
    expect(kk).toContain("Еуропалық парламенттің Төрағасына");
    expect(kk).toContain(KK.title);
    expect(kk).toContain("Мәтіннің 2-редакциясы");
    expect(kk).toMatch(/Аударма\. Түпнұсқа тілі: орыс тілі; түпнұсқа мәтіні басым күшке ие\./);
    expect(kk).toContain("Не болып жатыр");
    expect(kk).toContain("тәуелсіз журналистерді қудалауға");
  });

  it("lists every confirmed signatory, numbered, with city, country, organization and date, under headings in the letter's language", async () => {
    const headings = {
      ru: ["№", "Имя и фамилия", "Организация, должность", "Город", "Страна", "Подтверждено", "дата (UTC)"],
      en: ["No.", "Name", "Organization, position", "City", "Country", "Confirmed", "date (UTC)"],
      kk: ["№", "Аты-жөні", "Ұйым, лауазымы", "Қала", "Ел", "Расталды", "күні (UTC)"],
    };
    for (const lang of ["ru", "en", "kk"] as const) {
      const pages = texts[lang]!;
      // pdftotext marks right-to-left runs with U+202A…U+202E: not part of the text.
      const all = pages.join("\n").replace(/[\u202a-\u202e]/g, "");
      // The table header repeats on every page of the list.
      const listPages = pages.filter((p) => /^\s+1?\d\s{2,}\S/m.test(p));
      expect(listPages.length).toBeGreaterThanOrEqual(2);
      for (const p of listPages) for (const h of headings[lang]) expect(p).toContain(h);

      // Numbered 1..N in confirmation order; each printable name on its own numbered row.
      // Every script of the shared fixture is drawn as written since issue 15 (Arabic, Han included).
      const printable = NAMES.filter((n) => n !== UNCOVERED);
      NAMES.forEach((n, i) => {
        const row = new RegExp(`^\\s*${i + 1}\\s{2,}(.*)$`, "m").exec(all)?.[1] ?? "";
        if (printable.includes(n)) {
          expect(row, n.name).toContain(n.name);
          expect(row, n.name).toContain(n.city);
        } else {
          expect(row, n.name).toMatch(/^[\x20-\x7e]+ †/); // transliterated and marked
        }
        const date = {
          ru: `${String(1 + i).padStart(2, "0")}.02.2025`,
          en: `${String(1 + i).padStart(2, "0")}/02/2025`,
          kk: `${String(1 + i).padStart(2, "0")}.02.2025`,
        }[lang];
        expect(row, n.name).toContain(date);
      });
      expect(all).not.toMatch(new RegExp(`^\\s*${NAMES.length + 1}\\s{2,}`, "m"));
    }
    const ru = texts.ru!.join("\n");
    // Kazakh letters, Polish diacritics, Greek, German, Turkish: as typed, not transliterated.
    for (const s of [
      "Айгерім Сейітқалиева",
      "Қарағанды",
      "Ғалым Өтегенұлы",
      "Һибатулла Ұзақбаев",
      "Zofia Łukasiewicz-Żółć",
      "Łódź",
      "Νίκος Παπαδόπουλος",
      "Θεσσαλονίκη",
      "Jürgen Weiß",
      "Çağrı Şıkoğlu",
      "İzmir",
      "François-Xavier Lœuvre",
    ]) {
      expect(ru).toContain(s);
    }
    // Markup and formula-like names stay text.
    expect(ru).toContain(`O'Brien <b>&amp;</b> "Quotes"`);
    expect(ru).toContain("=SUM(A1:A9) Test");
    // Organization and position, and countries named in the letter's language.
    expect(flat(ru)).toMatch(/Айгерім Сейітқалиева Қарағанды 01\.02\.2025 Фонд «Наследие», директор Казахстан/);
    expect(texts.en!.join("\n")).toContain("Kazakhstan");
    expect(texts.kk!.join("\n")).toContain("Қазақстан");
    // Arabic and Han as written; a script no bundled font draws is transliterated, marked † and explained in a legend.
    expect(ru).toContain("王小明");
    expect(ru).not.toContain("WangXiaoMing");
    expect(ru).toContain("'abebe bik'ila †");
    expect(ru).toContain("† Имя записано письменностью");
    expect(generated.ru!.flaggedNames).toEqual([UNCOVERED.name]);
    // Stored sealed (any of them may be a hidden signer's name).
    const stored = (await letterRow(generated.ru!.id)).flagged_names;
    expect(JSON.stringify(stored)).not.toContain(UNCOVERED.name);
    expect(stored.map((n) => open(n, "name"))).toEqual([UNCOVERED.name]);
  });

  it("includes signers who chose not to be shown publicly, never an e-mail address, and nothing unconfirmed", () => {
    for (const lang of ["ru", "en", "kk"]) {
      const all = texts[lang]!.join("\n");
      expect(all).toContain(PRIVATE_SIGNER);
      expect(all).toContain("Олександр Ґудзь"); // 'initials' on the public page; full name in the letter
      expect(all).not.toContain("@");
      for (let i = 0; i < NAMES.length; i++) expect(all).not.toContain(email(i));
      for (const a of ADDRESSEES) if (a.email) expect(all).not.toContain(a.email);
      for (const hidden of ["Ожидающий Подтверждения", "Отозвавший Подпись", "Удалённый Модератором"]) expect(all).not.toContain(hidden);
      // Nor in the file itself (metadata included).
      const raw = fs.readFileSync(pathOf(generated[lang]!.storageKey)).toString("latin1");
      expect(raw).not.toMatch(/mail\.example|parliament\.example|ohchr\.example/);
    }
  });

  it("prints the revision a signatory signed where it differs from the letter's, and says what it means", () => {
    const ru = texts.ru!.join("\n");
    expect(flat(ru)).toContain("Если подписант подписал более раннюю редакцию текста, её номер указан под датой.");
    expect(ru.match(/редакция 1/g)).toHaveLength(EARLY_SIGNERS.length);
    // Under the date of the two early signers (rows 1 and 2), nowhere else.
    const rows = ru.split("\n");
    for (const name of EARLY_SIGNERS) {
      const at = rows.findIndex((l) => l.includes(name));
      expect(rows[at + 1]).toContain("редакция 1");
    }
    expect(texts.en!.join("\n").match(/revision 1\b/g)).toHaveLength(EARLY_SIGNERS.length);
    expect(texts.kk!.join("\n").match(/1-редакция/g)).toHaveLength(EARLY_SIGNERS.length);
  });

  it("says so when no signature is confirmed yet, on a single page", async () => {
    const empty = await publishedAppeal();
    await addSigners(empty.id, [{ name: "Ещё Не Подтвердил", status: "pending", email: "later@mail.example" }]);
    const letter = await generate(empty.id, empty.owner.userId, "ru");
    expect(letter.count).toBe(0);
    const pages = pdfPages(pathOf(letter.storageKey));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain("Подтверждённых подписей пока нет.");
    expect(pages[0]).toContain("Страница 1 из 1");
    expect(pages[0]).toContain("0 подписантов");
    expect(pages[0]).not.toContain("Ещё Не Подтвердил");
    expect(pdfPages(pathOf((await generate(empty.id, empty.owner.userId, "en")).storageKey))[0]).toContain("No signatures have been confirmed yet.");
  });

  it("combines the original and its translations in one PDF, numbered across the whole document", async () => {
    const [id] = await requestLetters(main.id, main.owner.userId, { combined: true });
    const letter = await generateNow(id!);
    const pages = pdfPages(pathOf(letter.storageKey));
    const { ru, en, kk } = { ru: generated.ru!.pages, en: generated.en!.pages, kk: generated.kk!.pages };
    const total = ru + en + kk;
    expect(letter.pages).toBe(total);
    expect(pages).toHaveLength(total);
    expect(pages[0]).toContain(RU.title);
    expect(pages[0]).toContain(`Страница 1 из ${total}`);
    expect(pages[ru - 1]).toContain(`Страница ${ru} из ${total}`);
    expect(pages[ru]).toContain(EN.title);
    expect(pages[ru]).toContain(`Page ${ru + 1} of ${total}`);
    expect(pages[ru + en]).toContain(KK.title);
    expect(pages[ru + en]).toContain(`${total} беттің ${ru + en + 1}-беті`);
    expect(pages[total - 1]).toContain(`${total} беттің ${total}-беті`);
    for (const p of pages) expect(p).toContain(letter.code);
    const facts = await verification(letter.code);
    expect(facts?.kind).toBe("combined");
    expect([...(facts?.languages ?? [])].sort()).toEqual(["en", "kk", "ru"]);
  });
});

describe("the snapshot and its verification", () => {
  it("records who asked, when, the revision, the count, the digest and the file's fingerprint", async () => {
    const letter = generated.ru!;
    const row = await letterRow(letter.id);
    const bytes = fs.readFileSync(pathOf(letter.storageKey));
    expect(row).toMatchObject({
      appeal_id: main.id,
      code: letter.code,
      lang: "ru",
      kind: "single",
      status: "ready",
      revision: 2,
      count: NAMES.length,
      pages: pdfInfo(pathOf(letter.storageKey)).pages,
      size: bytes.length,
      file_sha256: sha256(bytes),
      storage_key: `letters/${letter.code}.pdf`,
      created_by: main.owner.userId,
      error: null,
      progress: 100,
    });
    expect(row.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(row.digest).toBe(letter.digest);
    expect(row.created_at).toBeInstanceOf(Date);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(letter.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it("gives the same digest to the same text and signatories, and another as soon as either changes", async () => {
    const appeal = await publishedAppeal({ revisions: 2 });
    await signFixture(appeal.id, 2);
    const first = await generate(appeal.id, appeal.owner.userId, "ru");
    const again = await generate(appeal.id, appeal.owner.userId, "ru");
    expect(again.digest).toBe(first.digest);
    expect(again.code).not.toBe(first.code);
    expect(again.fileSha256).not.toBe(first.fileSha256); // the code is printed on every page
    // Another language is another text.
    expect((await generate(appeal.id, appeal.owner.userId, "en")).digest).not.toBe(first.digest);

    await addSigners(appeal.id, [{ name: "Новый Подписант", city: "Алматы", country: "KZ", revision: 2, confirmedAt: new Date(Date.UTC(2025, 5, 1)) }]);
    const more = await generate(appeal.id, appeal.owner.userId, "ru");
    expect(more.count).toBe(NAMES.length + 1);
    expect(more.digest).not.toBe(first.digest);

    // The same people in another order would be another list. The order is the ledger's now (the
    // order confirmations committed): a confirmation date edited behind it does not reorder the
    // list, it is refused (the row no longer hashes to its leaf).
    const edit = (at: Date) =>
      getDb().updateTable("signatures").set({ confirmed_at: at }).where("appeal_id", "=", appeal.id).where("name", "=", "Новый Подписант").execute();
    await edit(new Date(Date.UTC(2024, 0, 1)));
    await expect(generate(appeal.id, appeal.owner.userId, "ru")).rejects.toThrow(/changed after it was confirmed/);
    await edit(new Date(Date.UTC(2025, 5, 1)));
    const reordered = await generate(appeal.id, appeal.owner.userId, "ru");
    expect(reordered.digest).toBe(more.digest);

    // A new revision of the text, same signatories.
    await saveVersion(appeal.id, appeal.owner.userId, "ru", { ...RU, body: `${RU.body}\n\nИсправлена опечатка.` });
    await publish(appeal.id, appeal.owner.userId, { changeNote: "Опечатка", confirmStale: ["en", "kk"] });
    const revised = await generate(appeal.id, appeal.owner.userId, "ru");
    expect(revised.digest).not.toBe(reordered.digest);
    expect((await letterRow(revised.id)).revision).toBe(3);
  });

  it("shows the appeal, language, revision, count, time, digest and fingerprint on /verify/:code, and no signatory data", async () => {
    const letter = generated.en!;
    const row = await letterRow(letter.id);
    const facts = await verification(letter.code);
    expect(facts).toEqual({
      code: letter.code,
      slug: main.slug,
      lang: "en",
      kind: "single",
      languages: ["en"],
      title: EN.title,
      revision: 2,
      count: NAMES.length,
      generatedAt: row.created_at.toISOString(),
      digest: letter.digest,
      fileSha256: sha256(fs.readFileSync(pathOf(letter.storageKey))),
      pages: letter.pages,
      withdrawnSince: 0,
      signerFingerprint: row.signer_fingerprint,
      ledger: { size: letter.treeSize, root: letter.treeRoot, extends: [], revoked: { total: 0, entries: [] }, net: NAMES.length },
    });
    expect(row.signer_fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(letter.treeRoot).toMatch(/^[0-9a-f]{64}$/);
    // Typed from paper: lower case, O for 0, I/L for 1, no dashes.
    const typed = letter.code.toLowerCase().replace(/-/g, " ").replace(/0/g, "o").replace(/1/g, "l");
    expect((await verification(typed))?.code).toBe(letter.code);
    expect(await verification("AAAA-BBBB-CCCC")).toBeNull();
    expect(await verification("nonsense")).toBeNull();

    const response = await verifyLoader({ request: new Request(`http://localhost/verify/${letter.code}`), params: { code: letter.code }, context: {} });
    const page = await response.text();
    expect(page).toContain(letter.digest);
    for (const n of NAMES) expect(page).not.toContain(n.name.slice(0, 8));
    expect(page).not.toContain("@");
    expect(page).not.toContain("storage");
    expect(
      await thrownStatus(verifyLoader({ request: new Request("http://localhost/verify/AAAA-BBBB-CCCC"), params: { code: "AAAA-BBBB-CCCC" }, context: {} })),
    ).toBe(404);
  });

  it("says an uploaded PDF matches only when it is byte for byte the letter generated with that code", async () => {
    const letter = generated.ru!;
    const bytes = fs.readFileSync(pathOf(letter.storageKey));
    expect(await upload(letter.code, bytes)).toEqual({ result: "match" });

    const edited = Buffer.from(bytes);
    const at = edited.indexOf("/Producer");
    edited[at + 12] = edited[at + 12]! ^ 1; // one byte of the metadata
    expect(await upload(letter.code, edited)).toEqual({ result: "mismatch" });
    expect(await upload(letter.code, bytes.subarray(0, bytes.length - 1))).toEqual({ result: "mismatch" });
    // Another letter of the same appeal and language, re-rendered, is not this one.
    expect(await upload(letter.code, fs.readFileSync(pathOf(generated.en!.storageKey)))).toEqual({ result: "mismatch" });
    const rerendered = await generate(main.id, main.owner.userId, "ru");
    expect(rerendered.digest).toBe(letter.digest);
    expect(await upload(letter.code, fs.readFileSync(pathOf(rerendered.storageKey)))).toEqual({ result: "mismatch" });
    expect(await upload(rerendered.code, fs.readFileSync(pathOf(rerendered.storageKey)))).toEqual({ result: "match" });
    // No file chosen.
    const none = await verifyAction({
      request: new Request(`http://localhost/verify/${letter.code}`, { method: "POST", body: new FormData() }),
      params: { code: letter.code },
      context: {},
    });
    expect(none.status).toBe(400);
  });

  it("counts signatures withdrawn since the letter, without naming them", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [{ name: "Останется Здесь" }, { name: "Передумает Потом", email: "later@mail.example" }]);
    const letter = await generate(appeal.id, appeal.owner.userId, "ru");
    await getDb()
      .updateTable("signatures")
      .set({ status: "withdrawn", withdrawn_at: sql`now()` })
      .where("appeal_id", "=", appeal.id)
      .where("name", "=", "Передумает Потом")
      .execute();
    const facts = await verification(letter.code);
    expect(facts?.count).toBe(2);
    expect(facts?.withdrawnSince).toBe(1);
    expect(JSON.stringify(facts)).not.toContain("Передумает");
  });
});

describe("downloads", () => {
  it("lets organizers of the appeal's organization download a letter; everyone else gets 403", async () => {
    const letter = generated.kk!;
    const cookie = await sessionCookie(main.owner.userId);
    const params = { id: String(main.id), letterId: String(letter.id) };
    const url = `http://localhost/dashboard/appeals/${main.id}/letters/${letter.id}.pdf`;
    const response = await downloadLoader({ request: new Request(url, { headers: { Cookie: cookie } }), params, context: {} });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/pdf");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="${main.slug}-kk-${letter.code}.pdf"`);
    expect(sha256(await responseBytes(response))).toBe(letter.fileSha256);

    const outsider = await newOrganization("Другая организация");
    const other = await sessionCookie(outsider.userId);
    expect((await settle(downloadLoader({ request: new Request(url, { headers: { Cookie: other } }), params, context: {} }))).status).toBe(403);
    expect((await settle(downloadLoader({ request: new Request(url), params, context: {} }))).status).toBe(302);
    expect(await thrownStatus(letterFile(main.id, outsider.userId, letter.id))).toBe("AppError:forbidden");
    expect(await thrownStatus(lettersPage(main.id, outsider.userId))).toBe("AppError:forbidden");
    expect(await thrownStatus(zipContents(main.id, outsider.userId, [letter.id]))).toBe("AppError:forbidden");
    // A letter of another appeal through this appeal's address: not found.
    const elsewhere = await publishedAppeal();
    expect(await thrownStatus(letterFile(elsewhere.id, elsewhere.owner.userId, letter.id))).toBe("AppError:not_found");
  });

  it("zips every language's PDF with the supporting documents and a MANIFEST.txt that names them", async () => {
    await addAttachment(main.id, main.owner.userId, { lang: "ru", filename: "Доклад.pdf", data: ATTACHMENT });
    const ids = ["ru", "en", "kk"].map((l) => generated[l]!.id);
    const cookie = await sessionCookie(main.owner.userId);
    const url = `http://localhost/dashboard/appeals/${main.id}/letters.zip?ids=${ids.join(",")}`;
    const response = await zipLoader({ request: new Request(url, { headers: { Cookie: cookie } }), params: { id: String(main.id) }, context: {} });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/zip");
    const zip = path.join(tmp, "letters.zip");
    fs.writeFileSync(zip, await responseBytes(response));
    const entries = execFileSync("zipinfo", ["-1", zip], { encoding: "utf8" }).trim().split("\n").sort();
    const attachment = await getDb().selectFrom("attachments").selectAll().where("appeal_id", "=", main.id).executeTakeFirstOrThrow();
    const pdfs = ["ru", "en", "kk"].map((l) => `${main.slug}-${l}-${generated[l]!.code}.pdf`);
    expect(entries).toEqual(["MANIFEST.txt", `attachments/ru/${attachment.id}-Доклад.pdf`, ...pdfs].sort());
    for (const l of ["ru", "en", "kk"]) {
      const inZip = execFileSync("unzip", ["-p", zip, `${main.slug}-${l}-${generated[l]!.code}.pdf`]);
      expect(sha256(inZip)).toBe(generated[l]!.fileSha256);
    }
    expect(execFileSync("unzip", ["-p", zip, `attachments/ru/${attachment.id}-Доклад.pdf`])).toEqual(ATTACHMENT);
    const manifest = execFileSync("unzip", ["-p", zip, "MANIFEST.txt"], { encoding: "utf8" });
    // Every file the manifest names is in the archive, with its facts.
    for (const entry of entries.filter((e) => e !== "MANIFEST.txt")) expect(manifest).toContain(entry);
    for (const l of ["ru", "en", "kk"]) {
      expect(manifest).toContain(`verification code: ${generated[l]!.code}`);
      expect(manifest).toContain(`digest (sha-256): ${generated[l]!.digest}`);
      expect(manifest).toContain(`file sha-256: ${generated[l]!.fileSha256}`);
    }
    expect(manifest).toContain(`signatories: ${NAMES.length}`);
    expect(manifest).toContain(`sha-256 ${sha256(ATTACHMENT)}`);
    expect(manifest).not.toContain("@");

    // A letter not ready yet: 409; someone else's: 403.
    const [pending] = await requestLetters(main.id, main.owner.userId, { lang: "ru" });
    const notReady = await settle(
      zipLoader({
        request: new Request(`http://localhost/x.zip?ids=${ids[0]},${pending}`, { headers: { Cookie: cookie } }),
        params: { id: String(main.id) },
        context: {},
      }),
    );
    expect(notReady.status).toBe(409);
    await getDb().deleteFrom("letters").where("id", "=", pending!).execute();
    const outsider = await sessionCookie((await newOrganization()).userId);
    expect(
      (await settle(zipLoader({ request: new Request(url, { headers: { Cookie: outsider } }), params: { id: String(main.id) }, context: {} }))).status,
    ).toBe(403);
  });

  it("labels the combined letter as all languages, never as the original's, in the ZIP, its manifest and the download", async () => {
    const [id] = await requestLetters(main.id, main.owner.userId, { combined: true });
    const combined = await generateNow(id!);
    const cookie = await sessionCookie(main.owner.userId);
    const ids = [generated.ru!.id, id!];
    const response = await zipLoader({
      request: new Request(`http://localhost/dashboard/appeals/${main.id}/letters.zip?ids=${ids.join(",")}`, { headers: { Cookie: cookie } }),
      params: { id: String(main.id) },
      context: {},
    });
    expect(response.status).toBe(200);
    const zip = path.join(tmp, "combined.zip");
    fs.writeFileSync(zip, await responseBytes(response));
    const entries = execFileSync("zipinfo", ["-1", zip], { encoding: "utf8" }).trim().split("\n");
    const name = `${main.slug}-combined-${combined.code}.pdf`;
    expect(entries).toContain(name);
    expect(entries).not.toContain(`${main.slug}-ru-${combined.code}.pdf`);
    expect(sha256(execFileSync("unzip", ["-p", zip, name]))).toBe(combined.fileSha256);
    const manifest = execFileSync("unzip", ["-p", zip, "MANIFEST.txt"], { encoding: "utf8" });
    const block = manifest
      .slice(manifest.indexOf(name))
      .split("\n\n")[0]!
      .split(/\n(?=\S)/)[0]!;
    expect(block).toContain("language: combined, all languages (ru, en, kk)");
    expect(manifest).toContain(`${main.slug}-ru-${generated.ru!.code}.pdf\n  language: ru\n`);
    const download = await downloadLoader({
      request: new Request(`http://localhost/dashboard/appeals/${main.id}/letters/${id}.pdf`, { headers: { Cookie: cookie } }),
      params: { id: String(main.id), letterId: String(id) },
      context: {},
    });
    expect(download.headers.get("Content-Disposition")).toBe(`attachment; filename="${name}"`);
  });

  it("shows organizers the letters without storage keys or who generated them", async () => {
    const page = await lettersPage(main.id, main.owner.userId);
    expect(page.letters.map((l) => l.code)).toEqual(expect.arrayContaining(["ru", "en", "kk"].map((l) => generated[l]!.code)));
    const json = JSON.stringify(page);
    expect(json).not.toContain("letters/");
    expect(json).not.toContain(main.owner.email);
    expect(page.addresseesWithEmail).toBe(2);
  });
});

/** The organizer's two steps, as the dashboard makes them: review (what would happen), then confirm. */
async function reviewAndDeliver(appealId: number, userId: number) {
  const review = await reviewDelivery(appealId, userId);
  return { review, result: await deliver(appealId, userId, review.token) };
}

const deliveryMails = async (appealId: number) =>
  (
    await getDb()
      .selectFrom("deliveries as d")
      .innerJoin("outbox as o", "o.id", "d.outbox_id")
      .innerJoin("addressees as a", "a.id", "d.addressee_id")
      .innerJoin("letters as l", "l.id", "d.letter_id")
      .select([
        "d.id",
        "d.letter_id",
        "d.created_by",
        "a.email",
        "l.lang",
        "o.kind",
        "o.to_address",
        "o.subject",
        "o.text",
        "o.html",
        "o.headers",
        "o.attachments",
        "o.status",
      ])
      .where("d.appeal_id", "=", appealId)
      .orderBy("d.id")
      .execute()
  ).map(openMail);

const appealStatus = async (id: number) =>
  await getDb().selectFrom("appeals").select(["status", "delivered_at", "closed_at"]).where("id", "=", id).executeTakeFirstOrThrow();

/** A published appeal whose organization has a contact address and whose addressees get `letterLanguage`. */
async function deliverableAppeal(letterLanguage = "en") {
  const appeal = await publishedAppeal();
  await setContactEmail(appeal.owner.organizationId, appeal.owner.userId, "contact@coalition.example");
  await getDb().updateTable("addressees").set({ letter_language: letterLanguage }).where("appeal_id", "=", appeal.id).execute();
  return appeal;
}

describe("delivery by e-mail", () => {
  it("queues one e-mail per addressee with an address, the PDF attached, records each delivery and marks the appeal delivered", async () => {
    const appeal = await deliverableAppeal("en");
    await signFixture(appeal.id, 1);
    const letter = await generate(appeal.id, appeal.owner.userId, "en");
    const outsider = await newOrganization();
    expect(await thrownStatus(reviewDelivery(appeal.id, outsider.userId))).toBe("AppError:forbidden");
    expect(await thrownStatus(deliver(appeal.id, outsider.userId, "x.y"))).toBe("AppError:forbidden");

    const { review, result } = await reviewAndDeliver(appeal.id, appeal.owner.userId);
    expect(review).toMatchObject({ closes: true, count: 2, problems: [], contact: "contact@coalition.example", organization: ORGANIZATION });
    expect(result).toEqual({ sent: 2, skipped: 0 });
    const deliveries = await deliveryMails(appeal.id);
    expect(deliveries.map((d) => d.to_address)).toEqual(["president@parliament.example", "commissioner@ohchr.example"]);
    for (const d of deliveries) {
      expect(d).toMatchObject({ letter_id: letter.id, created_by: appeal.owner.userId, kind: "delivery", status: "pending", to_address: d.email });
      expect(d.subject).toBe(`Open letter from ${ORGANIZATION}: ${EN.title}`);
      expect(d.text).toContain(`signed by ${NAMES.length} people`);
      expect(d.text).toContain(`http://localhost:3000/verify/${letter.code}`);
      expect(d.attachments).toEqual([{ filename: `${appeal.slug}-en-${letter.code}.pdf`, storageKey: letter.storageKey, contentType: "application/pdf" }]);
    }
    expect(deliveries[0]!.text).toContain("Dear Roberta Metsola,");
    const after = await appealStatus(appeal.id);
    expect(after.status).toBe("delivered");
    expect(after.delivered_at).toBeInstanceOf(Date);
    const page = await lettersPage(appeal.id, appeal.owner.userId);
    expect(page.deliveries.map((d) => [d.addressee, d.code, d.outcome]).sort()).toEqual([
      ["Роберта Метсола", letter.code, "pending"],
      ["Фолькер Тюрк", letter.code, "pending"],
    ]);
    expect(JSON.stringify(page)).not.toContain("parliament.example");
  });

  it("sends each addressee the letter in the language chosen for them: English to the Parliament, Kazakh to the other", async () => {
    const appeal = await deliverableAppeal("ru");
    const [parliament, commissioner] = await getDb()
      .selectFrom("addressees")
      .select(["id", "email"])
      .where("appeal_id", "=", appeal.id)
      .where("email", "is not", null)
      .orderBy("position")
      .execute();
    await editAddressee(appeal.id, appeal.owner.userId, parliament!.id, parliament!.email, ADDRESSEES[0]!.translations, "en");
    await editAddressee(appeal.id, appeal.owner.userId, commissioner!.id, commissioner!.email, ADDRESSEES[1]!.translations, "kk");
    await signFixture(appeal.id, 1);
    const en = await generate(appeal.id, appeal.owner.userId, "en");
    // The Kazakh letter is missing: the review says so, and nothing can be confirmed.
    const missing = await reviewDelivery(appeal.id, appeal.owner.userId);
    expect(missing.token).toBeNull();
    expect(missing.missing).toEqual(["kk"]);
    expect(missing.problems).toContain("delivery.missingLetter");
    expect(missing.rows.map((r) => [r.addressee, r.lang, r.letter?.code ?? null])).toEqual([
      ["Роберта Метсола", "en", en.code],
      ["Фолькер Тюрк", "kk", null],
    ]);
    const kk = await generate(appeal.id, appeal.owner.userId, "kk");
    expect((await reviewAndDeliver(appeal.id, appeal.owner.userId)).result).toEqual({ sent: 2, skipped: 0 });
    const mails = await deliveryMails(appeal.id);
    expect(mails.map((m) => [m.to_address, m.lang, m.letter_id])).toEqual([
      ["president@parliament.example", "en", en.id],
      ["commissioner@ohchr.example", "kk", kk.id],
    ]);
    expect(mails[0]!.subject).toBe(`Open letter from ${ORGANIZATION}: ${EN.title}`);
    expect(mails[1]!.subject).toBe(`Ашық хат: ${KK.title} — ${ORGANIZATION}`);
    expect(mails[1]!.text).toContain("Құрметті Фолькер Тюрк!");
    expect(mails[1]!.attachments).toEqual([{ filename: `${appeal.slug}-kk-${kk.code}.pdf`, storageKey: kk.storageKey, contentType: "application/pdf" }]);
  });

  it("names the organization, is answered at its contact address (Reply-To) and says it was sent automatically", async () => {
    const appeal = await deliverableAppeal("ru");
    const letter = await generate(appeal.id, appeal.owner.userId, "ru");
    await reviewAndDeliver(appeal.id, appeal.owner.userId);
    const [mail] = await deliveryMails(appeal.id);
    expect(mail!.headers).toEqual({ "Reply-To": "contact@coalition.example", "Auto-Submitted": "auto-generated" });
    expect(mail!.subject).toBe(`Открытое письмо: ${RU.title} — ${ORGANIZATION}`);
    expect(mail!.text).toContain(`${ORGANIZATION} направляет вам открытое письмо «${RU.title}»`);
    expect(mail!.text).toContain(`ответ получат организаторы — ${ORGANIZATION} (contact@coalition.example)`);
    expect(mail!.text).toContain(`от имени организаторов письма: ${ORGANIZATION}.`);
    expect(mail!.text).toContain("Во вложении: письмо со списком подписавших (PDF).");
    expect(mail!.html).toContain("contact@coalition.example");
    // The message as SMTP carries it.
    const raw = composeMessage(
      { to: mail!.to_address, subject: mail!.subject, html: mail!.html, text: mail!.text, headers: mail!.headers, attachments: [] },
      "Appeals <no-reply@appeals.example>",
    ).raw.toString();
    expect(raw).toMatch(/^Reply-To: contact@coalition\.example\r$/m);
    expect(raw).toMatch(/^Auto-Submitted: auto-generated\r$/m);
    expect(letter.count).toBe(0);
  });

  it("cannot send without the organization's contact address; owners set it, validated", async () => {
    const appeal = await publishedAppeal();
    await generate(appeal.id, appeal.owner.userId, "ru");
    const review = await reviewDelivery(appeal.id, appeal.owner.userId);
    expect(review.problems).toEqual(["delivery.noContact"]);
    expect(review.token).toBeNull();
    expect(review.rows).toHaveLength(2);
    // A confirmation signed before the address was removed does not send without it either.
    await setContactEmail(appeal.owner.organizationId, appeal.owner.userId, "contact@coalition.example");
    const token = (await reviewDelivery(appeal.id, appeal.owner.userId)).token;
    await getDb().updateTable("organizations").set({ contact_email: null }).where("id", "=", appeal.owner.organizationId).execute();
    expect(await thrownStatus(deliver(appeal.id, appeal.owner.userId, token))).toBe("AppError:bad_request");
    expect(await deliveryMails(appeal.id)).toEqual([]);
    expect((await appealStatus(appeal.id)).status).toBe("published");

    const cookie = await sessionCookie(appeal.owner.userId);
    const postOrg = (fields: Record<string, string>, c = cookie) =>
      settle(
        orgAction({
          request: new Request(`http://localhost/dashboard/orgs/${appeal.owner.organizationId}`, {
            method: "POST",
            headers: { Cookie: c, "Content-Type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(fields).toString(),
          }),
          params: { orgId: String(appeal.owner.organizationId) },
          context: {},
        }),
      );
    const bad = await postOrg({ _intent: "contact", contactEmail: "not an address" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: { contactEmail: "form.invalidEmail" }, values: { contactEmail: "not an address" } });
    const good = await postOrg({ _intent: "contact", contactEmail: "  Press@Coalition.Example " });
    expect(good.status).toBe(200);
    expect(
      (await getDb().selectFrom("organizations").select("contact_email").where("id", "=", appeal.owner.organizationId).executeTakeFirstOrThrow()).contact_email,
    ).toBe("press@coalition.example");
    const editor = await newOrganization();
    await getDb().insertInto("memberships").values({ organization_id: appeal.owner.organizationId, user_id: editor.userId, role: "editor" }).execute();
    expect((await postOrg({ _intent: "contact", contactEmail: "x@y.example" }, await sessionCookie(editor.userId))).status).toBe(403);
  });

  it("sends nothing on a repeated confirmation (a double click); a re-send is its own confirmed step that says when it was sent before", async () => {
    const appeal = await deliverableAppeal("ru");
    const letter = await generate(appeal.id, appeal.owner.userId, "ru");
    const review = await reviewDelivery(appeal.id, appeal.owner.userId);
    // Two clicks at once, and a third later: two e-mails in all.
    const [a, b] = await Promise.all([deliver(appeal.id, appeal.owner.userId, review.token), deliver(appeal.id, appeal.owner.userId, review.token)]);
    expect([a, b].sort((x, y) => y.sent - x.sent)).toEqual([
      { sent: 2, skipped: 0 },
      { sent: 0, skipped: 2 },
    ]);
    expect(await deliver(appeal.id, appeal.owner.userId, review.token)).toEqual({ sent: 0, skipped: 2 });
    expect(await deliveryMails(appeal.id)).toHaveLength(2);
    // A new review: nothing left to send, and each row says when it went.
    const again = await reviewDelivery(appeal.id, appeal.owner.userId);
    expect(again.problems).toEqual(["delivery.nothingToSend"]);
    expect(again.token).toBeNull();
    expect(again.closes).toBe(false);
    for (const r of again.rows) expect(r.sentAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const page = await lettersPage(appeal.id, appeal.owner.userId);
    const first = page.deliveries.find((d) => d.addressee === "Роберта Метсола")!;
    expect(first.canResend).toBe(true);
    const resendReview = await reviewResend(appeal.id, appeal.owner.userId, first.id);
    expect(resendReview).toMatchObject({ addressee: "Роберта Метсола", code: letter.code, lang: "ru" });
    expect(resendReview.sentAt).toBe(again.rows[0]!.sentAt);
    expect(await resend(appeal.id, appeal.owner.userId, resendReview.token)).toEqual({ sent: 1 });
    expect(await resend(appeal.id, appeal.owner.userId, resendReview.token)).toEqual({ sent: 0 });
    const mails = await deliveryMails(appeal.id);
    expect(mails.map((m) => m.to_address)).toEqual(["president@parliament.example", "commissioner@ohchr.example", "president@parliament.example"]);
    // Only the newest delivery of a pair offers "send again".
    const after = await lettersPage(appeal.id, appeal.owner.userId);
    expect(after.deliveries.filter((d) => d.addressee === "Роберта Метсола").map((d) => d.canResend)).toEqual([true, false]);
  });

  it("refuses a letter that is not ready and an appeal without any delivery address", async () => {
    const appeal = await deliverableAppeal("ru");
    const [pending] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    const notReady = await reviewDelivery(appeal.id, appeal.owner.userId);
    expect(notReady.problems).toEqual(["delivery.missingLetter"]);
    expect(notReady.token).toBeNull();
    await generateNow(pending!);
    await getDb().updateTable("addressees").set({ email: null }).where("appeal_id", "=", appeal.id).execute();
    const none = await reviewDelivery(appeal.id, appeal.owner.userId);
    expect(none.problems).toEqual(["letters.noEmailAddressees"]);
    expect(none.token).toBeNull();
    const draftOwner = await newOrganization();
    const draft = await createAppeal(draftOwner.userId, {
      organizationId: draftOwner.organizationId,
      slug: slugOf("draft"),
      originalLanguage: "ru",
      title: "Черновик",
    });
    await expect(reviewDelivery(draft, draftOwner.userId)).rejects.toMatchObject({ code: "draft", messageKey: "letters.draft" });
  });

  it("acts only on a genuine, fresh confirmation of this user and appeal", async () => {
    const appeal = await deliverableAppeal("ru");
    await generate(appeal.id, appeal.owner.userId, "ru");
    const other = await deliverableAppeal("ru");
    await generate(other.id, other.owner.userId, "ru");
    const token = (await reviewDelivery(appeal.id, appeal.owner.userId)).token ?? "";
    const pairs = [[0, 0]];
    const forged = `${token.split(".")[0]}.${"A".repeat(43)}`;
    const stale = signIntent({ action: "deliver", appealId: appeal.id, userId: appeal.owner.userId, data: pairs }, Date.now() - 11 * 60_000);
    const close = signIntent({ action: "close", appealId: appeal.id, userId: appeal.owner.userId, data: [] });
    for (const t of [null, "", "garbage", forged, stale, close])
      expect(await thrownStatus(deliver(appeal.id, appeal.owner.userId, t))).toBe("AppError:conflict");
    expect(await thrownStatus(deliver(other.id, other.owner.userId, token))).toBe("AppError:conflict");
    expect(await deliveryMails(appeal.id)).toEqual([]);
    expect((await appealStatus(appeal.id)).status).toBe("published");
  });

  it("the letters form closes nothing on the first click: it answers with the plan and a confirm button; the second POST sends", async () => {
    const appeal = await deliverableAppeal("ru");
    const letter = await generate(appeal.id, appeal.owner.userId, "ru");
    const cookie = await sessionCookie(appeal.owner.userId);
    const post = (fields: Record<string, string>) =>
      settle(
        lettersAction({
          request: new Request(`http://localhost/dashboard/appeals/${appeal.id}/letters`, {
            method: "POST",
            headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(fields).toString(),
          }),
          params: { id: String(appeal.id) },
          context: {},
        }),
      );
    // The old one-click form (a letter id, no confirmation): nothing sent, nothing closed.
    const oneClick = await post({ _intent: "deliver", letterId: String(letter.id) });
    expect(oneClick.status).toBe(409);
    expect(await oneClick.json()).toMatchObject({ errors: { _form: "delivery.expired" } });
    const review = await post({ _intent: "review" });
    expect(review.status).toBe(200);
    const body = (await review.json()) as { review: { closes: boolean; token: string; rows: Array<{ addressee: string; lang: string }> } };
    expect(body.review.closes).toBe(true);
    expect(body.review.rows.map((r) => [r.addressee, r.lang])).toEqual([
      ["Роберта Метсола", "ru"],
      ["Фолькер Тюрк", "ru"],
    ]);
    expect(JSON.stringify(body)).not.toContain("parliament.example");
    expect((await appealStatus(appeal.id)).status).toBe("published");
    expect(await deliveryMails(appeal.id)).toEqual([]);
    const sent = await post({ _intent: "deliver", token: body.review.token });
    expect(await sent.json()).toMatchObject({ sent: 2, repeated: false });
    expect((await appealStatus(appeal.id)).status).toBe("delivered");
    const twice = await post({ _intent: "deliver", token: body.review.token });
    expect(await twice.json()).toMatchObject({ sent: 0, repeated: true });
    expect(await deliveryMails(appeal.id)).toHaveLength(2);
  });

  it("attaches the supporting documents in the letter's language while they fit, and links the rest", async () => {
    const appeal = await deliverableAppeal("ru");
    const big = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(7 * 1024 * 1024, 0x20), Buffer.from("\n%%EOF\n")]);
    await addAttachment(appeal.id, appeal.owner.userId, { lang: "ru", filename: "Доклад.pdf", data: ATTACHMENT });
    await addAttachment(appeal.id, appeal.owner.userId, { lang: "ru", filename: "Приложение-1.pdf", data: big });
    await addAttachment(appeal.id, appeal.owner.userId, { lang: "ru", filename: "Приложение-2.pdf", data: big });
    await addAttachment(appeal.id, appeal.owner.userId, { lang: "en", filename: "Report.pdf", data: ATTACHMENT });
    const letter = await generate(appeal.id, appeal.owner.userId, "ru");
    await reviewAndDeliver(appeal.id, appeal.owner.userId);
    const [mail] = await deliveryMails(appeal.id);
    const docs = await getDb().selectFrom("attachments").select(["id", "filename", "storage_key"]).where("appeal_id", "=", appeal.id).orderBy("id").execute();
    expect(mail!.attachments.map((a) => a.filename)).toEqual([`${appeal.slug}-ru-${letter.code}.pdf`, "Доклад.pdf", "Приложение-1.pdf"]);
    expect(mail!.attachments[1]!.storageKey).toBe(docs[0]!.storage_key);
    const total = (letter.size ?? 0) + ATTACHMENT.length + big.length;
    expect(total).toBeLessThanOrEqual(MAX_MAIL_ATTACHMENT_BYTES);
    expect(mail!.text).toContain("сопроводительные документы: Доклад.pdf, Приложение-1.pdf.");
    expect(mail!.text).toContain(`Приложение-2.pdf: http://localhost:3000/appeals/${appeal.slug}/attachments/${docs[2]!.id}`);
    expect(mail!.text).not.toContain("Report.pdf");
  }, 60_000);

  it(`sends a signed link instead of the PDF when the letter is larger than ${MAX_ATTACHED_LETTER_BYTES / 1024 / 1024} MB`, async () => {
    const appeal = await deliverableAppeal("ru");
    await signMany(appeal.id, 160_000);
    const letter = await generate(appeal.id, appeal.owner.userId, "ru");
    expect(letter.count).toBe(160_000);
    expect(letter.size).toBeGreaterThan(MAX_ATTACHED_LETTER_BYTES);
    const [last] = pdfPages(pathOf(letter.storageKey), { first: letter.pages, last: letter.pages });
    const pages = flat(new Intl.NumberFormat("ru").format(letter.pages));
    expect(flat(last ?? "")).toContain(`Страница ${pages} из ${pages}`);
    expect(flat(last ?? "")).toContain("160 000 подписантов");
    expect(last).toMatch(/^\s*160000\s{2,}/m);

    expect((await reviewAndDeliver(appeal.id, appeal.owner.userId)).result.sent).toBe(2);
    const mails = (
      await getDb()
        .selectFrom("deliveries as d")
        .innerJoin("outbox as o", "o.id", "d.outbox_id")
        .select(["o.to_address", "o.subject", "o.text", "o.attachments"])
        .where("d.letter_id", "=", letter.id)
        .execute()
    ).map(openMail);
    expect(mails).toHaveLength(2);
    const link = /http:\/\/localhost:3000\/letters\/[A-Z0-9-]+\.pdf\?sig=[\w-]+/.exec(mails[0]!.text)?.[0] ?? "";
    expect(link).toContain(`/letters/${letter.code}.pdf?sig=`);
    for (const m of mails) expect(m.attachments).toEqual([]);

    const response = await signedLoader({ request: new Request(link), params: { code: letter.code }, context: {} });
    expect(response.status).toBe(200);
    expect(sha256(await responseBytes(response))).toBe(letter.fileSha256);
    const forged = link.replace(/sig=./, (s) => (s.endsWith("A") ? "sig=B" : "sig=A"));
    expect(await thrownStatus(signedLoader({ request: new Request(forged), params: { code: letter.code }, context: {} }))).toBe(404);
    expect(await thrownStatus(signedLoader({ request: new Request(link), params: { code: generated.ru!.code }, context: {} }))).toBe(404);
  }, 120_000);
});

describe("bad input", () => {
  it("refuses an unknown appeal, an unknown language, a draft and a non-organizer", async () => {
    const outsider = await newOrganization();
    expect(await thrownStatus(requestLetters(987_654_321, main.owner.userId, { lang: "ru" }))).toBe("AppError:not_found");
    await expect(requestLetters(main.id, main.owner.userId, { lang: "de" })).rejects.toMatchObject({ code: "bad_request", messageKey: "letters.unknownLang" });
    await expect(requestLetters(main.id, main.owner.userId, { lang: "xx" })).rejects.toMatchObject({ code: "bad_request", messageKey: "letters.unknownLang" });
    expect(await thrownStatus(requestLetters(main.id, outsider.userId, { lang: "ru" }))).toBe("AppError:forbidden");

    const draftOwner = await newOrganization();
    const draft = await createAppeal(draftOwner.userId, {
      organizationId: draftOwner.organizationId,
      slug: slugOf("draft"),
      originalLanguage: "ru",
      title: "Черновик",
    });
    await expect(requestLetters(draft, draftOwner.userId, { lang: "ru" })).rejects.toMatchObject({ code: "draft", messageKey: "letters.draft" });
    expect(await getDb().selectFrom("letters").select("id").where("appeal_id", "=", draft).execute()).toEqual([]);
  });

  it("answers the letters form with the refusal's message, and 403 to a non-organizer", async () => {
    const draftOwner = await newOrganization();
    const draft = await createAppeal(draftOwner.userId, {
      organizationId: draftOwner.organizationId,
      slug: slugOf("draft"),
      originalLanguage: "ru",
      title: "Черновик",
    });
    const post = (id: number, cookie: string, fields: Record<string, string>) =>
      settle(
        lettersAction({
          request: new Request(`http://localhost/dashboard/appeals/${id}/letters`, {
            method: "POST",
            headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(fields).toString(),
          }),
          params: { id: String(id) },
          context: {},
        }),
      );
    const refused = await post(draft, await sessionCookie(draftOwner.userId), { _intent: "one", lang: "ru" });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ ok: false, errors: { _form: "letters.draft" } });
    const unknown = await post(main.id, await sessionCookie(main.owner.userId), { _intent: "one", lang: "de" });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ errors: { _form: "letters.unknownLang" } });
    expect((await post(main.id, await sessionCookie(draftOwner.userId), { _intent: "one", lang: "ru" })).status).toBe(403);
    const ok = await post(main.id, await sessionCookie(main.owner.userId), { _intent: "all" });
    expect(ok.status).toBe(200);
    const queued = await getDb().selectFrom("letters").select(["id", "status"]).where("appeal_id", "=", main.id).where("status", "=", "pending").execute();
    expect(queued).toHaveLength(3);
    await getDb()
      .deleteFrom("letters")
      .where(
        "id",
        "in",
        queued.map((q) => q.id),
      )
      .execute();
  });

  it("records nothing when the disk fills up mid-write: the letter is 'failed', with no file, digest or fingerprint", async () => {
    const appeal = await publishedAppeal();
    await signMany(appeal.id, 3000);
    const full = path.join(tmp, "disk-full");
    const [id] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    const row = await letterRow(id!);
    const error = await withDataDir(full, () =>
      generateNow(id!).then(
        () => null,
        (e: unknown) => e,
      ),
    );
    expect(error).toMatchObject({ code: "ENOSPC" });
    const failed = await letterRow(id!);
    expect(failed).toMatchObject({ status: "failed", error: "disk_full", digest: "", file_sha256: null, storage_key: null, pages: null, size: null });
    expect(failed.finished_at).toBeInstanceOf(Date);
    // The temporary file was written to (16 KB), then removed; nothing is left under either folder.
    expect(filesFor(row.code, full)).toEqual([]);
    expect(filesFor(row.code)).toEqual([]);
    expect(await verification(row.code)).toBeNull();
    const page = await lettersPage(appeal.id, appeal.owner.userId);
    expect(page.letters.find((l) => l.id === id)).toMatchObject({ status: "failed", error: "disk_full" });

    // Once there is room again, the same request succeeds.
    const retry = await generate(appeal.id, appeal.owner.userId, "ru");
    expect(retry.count).toBe(3000);
  }, 60_000);

  it("records nothing when the output folder cannot be created, and generateLetter leaves no .part behind", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [{ name: "Айгерім Сейітқалиева" }]);
    const blocked = path.join(tmp, "blocked");
    fs.mkdirSync(path.join(blocked, "files"), { recursive: true });
    fs.writeFileSync(path.join(blocked, "files", "letters"), "a file where the folder should be");
    const [id] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    await expect(withDataDir(blocked, () => generateNow(id!))).rejects.toThrow();
    expect(await letterRow(id!)).toMatchObject({ status: "failed", error: "failed", digest: "", storage_key: null, file_sha256: null });

    // The generator itself, on a path whose temporary file fills the disk mid-way.
    const target = path.join(tmp, "disk-full", "direct", "letter.pdf");
    await expect(generateLetter({ databaseUrl: databaseUrl(), letterId: id!, outputPath: target, appUrl: "http://localhost:3000" })).rejects.toMatchObject({
      code: "ENOSPC",
    });
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  }, 60_000);
});

describe("the letter CLI", () => {
  it("generates a letter, records it like the dashboard does and copies it to --out", async () => {
    const out = path.join(tmp, "cli", "ru.pdf");
    const result = await cli(["--appeal", main.slug, "--lang", "ru", "--out", out]);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    const code = /verification code ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(result.stdout)?.[1] ?? "";
    expect(result.stdout).toContain(`${out}: ru, ${NAMES.length} signatories`);
    const row = await getDb().selectFrom("letters").selectAll().where("code", "=", code).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "ready", lang: "ru", kind: "single", count: NAMES.length, created_by: null, digest: generated.ru!.digest });
    const bytes = fs.readFileSync(out);
    expect(sha256(bytes)).toBe(row.file_sha256);
    expect(await upload(code, bytes)).toEqual({ result: "match" });
    expect(pdfPages(out).join("\n")).toContain("Zofia Łukasiewicz-Żółć");
  }, 120_000);

  it("writes one file per language into a folder for --lang all", async () => {
    const out = path.join(tmp, "cli", "all");
    const result = await cli(["--appeal", main.slug, "--lang", "all", "--out", out]);
    expect(result.code).toBe(0);
    const files = fs.readdirSync(out).sort();
    expect(files).toHaveLength(3);
    for (const [i, lang] of ["en", "kk", "ru"].entries()) expect(files[i]).toMatch(new RegExp(`^${main.slug}-${lang}-[0-9A-Z-]{14}\\.pdf$`));
    expect(pdfPages(path.join(out, files[0]!)).join("\n")).toContain("Translation from Russian");
  }, 120_000);

  it("explains bad input with exit codes: unknown appeal or language, a draft, missing options", async () => {
    const draftOwner = await newOrganization();
    const draftSlug = slugOf("draft");
    await createAppeal(draftOwner.userId, { organizationId: draftOwner.organizationId, slug: draftSlug, originalLanguage: "ru", title: "Черновик" });
    const out = path.join(tmp, "cli", "bad.pdf");
    const [unknown, language, draft, missing] = await Promise.all([
      cli(["--appeal", "no-such-appeal", "--lang", "ru", "--out", out]),
      cli(["--appeal", main.slug, "--lang", "de", "--out", out]),
      cli(["--appeal", draftSlug, "--lang", "ru", "--out", out]),
      cli(["--appeal", main.slug]),
    ]);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toContain('no appeal with slug "no-such-appeal"');
    expect(language).toMatchObject({ code: 1 });
    expect(language.stderr).toContain('the appeal has no version in "de"');
    expect(draft).toMatchObject({ code: 1 });
    expect(draft.stderr).toContain("the appeal is still a draft: publish it first");
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain("Usage: npm run letter -- --appeal <slug> --lang <code|all|combined> --out <path>");
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);

  it("fails cleanly when the file cannot grow (a real write error mid-letter), leaving a 'failed' row and no partial file", async () => {
    const appeal = await publishedAppeal();
    await signMany(appeal.id, 20_000);
    const out = path.join(tmp, "cli", "limited.pdf");
    const before = new Set((await getDb().selectFrom("letters").select("id").where("appeal_id", "=", appeal.id).execute()).map((r) => r.id));
    const result = await cli(["--appeal", appeal.slug, "--lang", "ru", "--out", out], { fileSizeLimitKb: 256 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Error: EFBIG: file too large/);
    const rows = (await getDb().selectFrom("letters").selectAll().where("appeal_id", "=", appeal.id).execute()).filter((r) => !before.has(r.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "failed", digest: "", storage_key: null, file_sha256: null });
    expect(filesFor(rows[0]!.code)).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);
});

describe("letter jobs in several processes", () => {
  it("puts back a letter left 'running' by a dead process, never one another process is generating", async () => {
    const { owner, id: appealId } = await publishedAppeal();
    const [id] = await requestLetters(appealId, owner.userId, { lang: "ru" });
    await getDb()
      .updateTable("letters")
      .set({ status: "running", started_at: sql<Date>`now() - interval '1 minute'` })
      .where("id", "=", id!)
      .execute();

    // Another process generating it holds the letter's lock: left alone.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holder = holdLetterLock(id!, () => held);
    await new Promise((r) => setTimeout(r, 100));
    await requeueInterrupted();
    expect((await letterRow(id!)).status).toBe("running");

    // That process dies (its lock goes with its connection): the letter is queued again.
    release();
    await holder;
    await requeueInterrupted();
    expect((await letterRow(id!)).status).toBe("pending");
  });

  it("the CLI does not generate a letter an app process has already claimed; it waits for that result", async () => {
    const { owner, id: appealId } = await publishedAppeal();
    const [id] = await requestLetters(appealId, owner.userId, { lang: "ru" });
    // The app's job claims it first (as claimPendingLetter does) and generates it under the lock.
    await getDb()
      .updateTable("letters")
      .set({ status: "running", started_at: sql<Date>`now()` })
      .where("id", "=", id!)
      .execute();
    const app = holdLetterLock(id!, async () => {
      await new Promise((r) => setTimeout(r, 300));
      const code = (await letterRow(id!)).code;
      await markReady(id!, code, {
        count: 0,
        pages: 1,
        digest: "d".repeat(64),
        fileSha256: "f".repeat(64),
        size: 1234,
        flaggedNames: [],
        signerFingerprint: "AB:CD",
      });
    });
    const cli = await generateNow(id!);
    await app;
    expect(cli).toMatchObject({ count: 0, pages: 1, digest: "d".repeat(64), size: 1234 });
    expect((await letterRow(id!)).status).toBe("ready");
  });
});

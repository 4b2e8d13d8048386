import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderCombined, renderLetter, type LetterAttachment, type LetterInput, type LetterSignatory } from "./render.server";
import { signPdfFile } from "./sign.server";
import { createSigningIdentity, type SigningIdentity } from "./signing-identity.server";

/**
 * The letter as an archive and a reader's tools see it: PDF/A-3u identification and metadata,
 * tagging (structure tree, per-part language, the signatory table's header cells), the ledger
 * head on every page and in the metadata, and the embedded CSV files — read back with poppler
 * (pdfinfo, pdffonts, pdftotext, pdfsig) and qpdf, never with our own parser.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "letter-pdfa-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const GENERATED = new Date("2025-03-05T10:00:00Z");
const ROOT = "3b7e0c1d5a9f42e8b6c0d1e2f3a4b5c6d7e8f90123456789abcdef0123456789";
const LEDGER = { size: 1234, root: ROOT };

const BODY = `Уважаемые господа!

## Наши требования

1. Остановить снос.
2. Опубликовать документы.

- первый пункт
- второй пункт`;

function letter(overrides: Partial<LetterInput> = {}): LetterInput {
  return {
    lang: "ru",
    originalLanguage: "ru",
    organization: "Общественное объединение «Зелёный Алматы» & <Co>",
    generatedAt: GENERATED,
    snapshotId: "snapshot-pdfa",
    title: "Открытое письмо о сохранении здания",
    bodyMarkdown: BODY,
    addressees: [{ name: "Әбілқайыр Сейітов", position: "Министр культуры", institution: "Министерство культуры и информации" }],
    revision: 2,
    appealUrl: "https://appeals.example.org/a/save-abay",
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
    count: 75,
    ledger: LEDGER,
    ...overrides,
  };
}

async function* rows(count: number): AsyncGenerator<LetterSignatory> {
  for (let i = 0; i < count; i++) {
    yield {
      name: `Подписант Номер ${i + 1}`,
      city: "Алматы",
      country: "KZ",
      organization: i % 4 === 0 ? "Фонд" : null,
      position: i % 4 === 0 ? "директор" : null,
      confirmedAt: new Date(Date.UTC(2025, 0, 1)),
      revision: i % 3 === 0 ? 1 : 2,
    };
  }
}

/** Two CSV files the way the data step writes them (UTF-8, LF, a header line). */
function attachments(ledgerLines = 300): LetterAttachment[] {
  const ledger = path.join(tmp, "ledger.csv");
  const lines = ["index,salt,name,city,country,organization,position,confirmed,revision,leaf_hash"];
  for (let i = 0; i < ledgerLines; i++) lines.push(`${i},${"ab".repeat(32)},"Иванов, Иван ""Ваня""",Алматы,KZ,,,2025-01-01,2,`);
  fs.writeFileSync(ledger, `${lines.join("\n")}\n`);
  const signatories = path.join(tmp, "signatories.csv");
  fs.writeFileSync(signatories, "number,name,city,country,organization,position,confirmed\n1,'=Ада,Алматы,KZ,,,2025-01-01\n");
  return [
    { name: "ledger.csv", path: ledger, mimeType: "text/csv", description: "Signatory ledger (docs/verification.md)" },
    { name: "signatories.csv", path: signatories, mimeType: "text/csv", description: "Signatories" },
  ];
}

async function renderFile(name: string, input: LetterInput, files: LetterAttachment[] = attachments(), signature = false): Promise<string> {
  const file = path.join(tmp, name);
  const options = { attachments: files, ...(signature ? { signature: { signedAt: GENERATED, name: input.organization } } : {}) };
  await renderLetter(input, rows(input.count), fs.createWriteStream(file), options);
  return file;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

/** Every object of the file, as qpdf's JSON (v2) gives it: "obj:12 0 R" → value. */
function objects(file: string): Record<string, unknown> {
  const json: unknown = JSON.parse(run("qpdf", ["--json=2", "--json-key=qpdf", file]));
  const list = (json as { qpdf: [unknown, Record<string, { value?: unknown; stream?: { dict: unknown } }>] }).qpdf[1];
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(list)) if (key.startsWith("obj:")) out[key.slice(4)] = entry.value ?? entry.stream?.dict;
  return out;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);

function pageTexts(file: string, pages: number): string[] {
  return Array.from({ length: pages }, (_, i) => run("pdftotext", ["-f", String(i + 1), "-l", String(i + 1), file, "-"]));
}

function pageCount(file: string): number {
  return Number(/Pages:\s+(\d+)/.exec(run("pdfinfo", [file]))?.[1]);
}

describe("PDF/A-3u letters", () => {
  let file: string;
  beforeAll(async () => {
    file = await renderFile("ru.pdf", letter());
  });

  it("is PDF 1.7, tagged, qpdf-clean, with every font embedded", () => {
    const info = run("pdfinfo", [file]);
    expect(info).toMatch(/PDF version:\s+1\.7/);
    expect(info).toMatch(/Tagged:\s+yes/);
    expect(fs.readFileSync(file).subarray(0, 8).toString("latin1")).toBe("%PDF-1.7");
    const check = spawnSync("qpdf", ["--check", file], { encoding: "utf8" });
    expect(check.status).toBe(0);
    expect(check.stdout).toContain("No syntax or stream encoding errors found");
    expect(check.stderr).toBe("");
    const fonts = run("pdffonts", [file]).trim().split("\n").slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) expect(line).toMatch(/\s+yes\s+yes\s+yes\s+\d+\s+\d+$/);
  });

  it("carries XMP with the PDF/A-3u identification, title, author, dates and the ledger head, matching the Info dictionary", () => {
    const xmp = run("pdfinfo", ["-meta", file]);
    expect(xmp).toContain("<pdfaid:part>3</pdfaid:part>");
    expect(xmp).toContain("<pdfaid:conformance>U</pdfaid:conformance>");
    expect(xmp).toContain('<rdf:li xml:lang="x-default">Открытое письмо о сохранении здания</rdf:li>');
    // The author's "&" and "<" are escaped: the packet stays well-formed XML.
    expect(xmp).toContain("<rdf:li>Общественное объединение «Зелёный Алматы» &amp; &lt;Co&gt;</rdf:li>");
    expect(xmp).toContain("<xmp:CreateDate>2025-03-05T10:00:00Z</xmp:CreateDate>");
    expect(xmp).toContain("<xmp:ModifyDate>2025-03-05T10:00:00Z</xmp:ModifyDate>");
    expect(xmp).toContain("<pdf:Producer>Appeals (PDFKit)</pdf:Producer>");
    expect(xmp).toContain(`<appeals:Ledger>v1 1234 ${ROOT}</appeals:Ledger>`);
    expect(xmp).toContain("<appeals:LetterCode>7K3Q-9XWD-M2PA</appeals:LetterCode>");
    expect(xmp).toContain("<pdfaSchema:prefix>appeals</pdfaSchema:prefix>");
    const info = run("pdfinfo", [file]);
    expect(info).toMatch(/Producer:\s+Appeals \(PDFKit\)/);

    const all = objects(file);
    // pdfkit writes each Info entry as an indirect object: "477 0 R" → its value.
    const infoDict = Object.values(all).find((v) => isDict(v) && "/AppealsLedger" in v);
    const resolve = (ref: unknown) => all[String(ref)];
    expect(isDict(infoDict) ? [resolve(infoDict["/AppealsLedger"]), resolve(infoDict["/AppealsLetterCode"])] : null).toEqual([
      `u:v1 1234 ${ROOT}`,
      "u:7K3Q-9XWD-M2PA",
    ]);
    // Literal ASCII strings, as the contract says, so a plain reader finds them in the file.
    expect(fs.readFileSync(file).includes(`(v1 1234 ${ROOT})`)).toBe(true);
    const catalog = Object.values(all).find((v) => isDict(v) && v["/Type"] === "/Catalog");
    expect(catalog).toMatchObject({
      "/Extensions": { "/ESIC": { "/BaseVersion": "/1.7", "/ExtensionLevel": 2 } },
      "/MarkInfo": expect.any(String),
      "/ViewerPreferences": expect.any(String),
      "/Lang": "u:ru",
    });
    const intent = Object.values(all).find((v) => isDict(v) && v["/Type"] === "/OutputIntent");
    expect(intent).toMatchObject({ "/S": "/GTS_PDFA1", "/OutputConditionIdentifier": "u:sRGB IEC61966-2.1" });
    const trailer = JSON.parse(run("qpdf", ["--json=2", "--json-key=qpdf", file])) as { qpdf: [unknown, { trailer: { value: Dict } }] };
    expect(trailer.qpdf[1].trailer.value["/ID"]).toHaveLength(2);
  });

  it("prints the ledger's size and full root on every page", () => {
    const pages = pageCount(file);
    expect(pages).toBeGreaterThan(1);
    for (const text of pageTexts(file, pages)) expect(text.replace(/\s+/g, " ")).toContain(`Реестр подписей: записей 1 234 · корень ${ROOT}`);
  });

  it("embeds the CSV files as PDF/A-3 associated files that come back byte for byte", () => {
    const files = attachments();
    const listed = run("qpdf", ["--list-attachments", "--verbose", file]);
    expect(listed).toContain("ledger.csv");
    expect(listed).toContain("signatories.csv");
    expect(listed).toContain("text/csv");
    for (const a of files) {
      const back = execFileSync("qpdf", [`--show-attachment=${a.name}`, file], { maxBuffer: 64 * 1024 * 1024 });
      expect(back.equals(fs.readFileSync(a.path))).toBe(true);
    }
    const all = objects(file);
    const specs = Object.values(all).filter((v) => isDict(v) && v["/Type"] === "/Filespec");
    expect(specs).toHaveLength(2);
    for (const spec of specs) expect(spec).toMatchObject({ "/AFRelationship": "/Data", "/Desc": expect.any(String), "/UF": expect.any(String) });
    const catalog = Object.values(all).find((v) => isDict(v) && v["/Type"] === "/Catalog");
    expect(isDict(catalog) && Array.isArray(catalog["/AF"]) ? catalog["/AF"].length : 0).toBe(2);
  });

  it("tags the signatory list as a table with a row of column header cells and a row per signatory", () => {
    // pdfinfo -struct (the shape; -struct-text is poppler's slow path, seconds per page).
    const structure = run("pdfinfo", ["-struct", file]);
    expect(structure).toMatch(/^Document\n {2}Part\n/);
    // Title H1, revision, the body's paragraph, its "##" heading one level below the title (H3).
    expect(structure).toMatch(/\n +H1 \(block\)\n +P \(block\)\n +P \(block\)\n +H3 \(block\)\n +L \(block\)\n/);
    expect(structure).toMatch(/\n +H2 \(block\)\n +P \(block\)\n +P \(block\)\n +Table \(block\)\n/);
    expect(structure).toMatch(/Table \(block\)\n +THead\n +TR\n( +TH:\n +\/Scope \/Column\n){4} +TBody\n +TR\n( +TD\n){4}/);
    expect(structure).toMatch(/L \(block\)\n +LI \(block\)\n +Lbl \(block\)\n +LBody \(block\)\n +P \(block\)\n/);
    expect((structure.match(/^ +TR$/gm) ?? []).length).toBe(1 + 75);
    expect((structure.match(/^ +TH:$/gm) ?? []).length).toBe(4);
    expect((structure.match(/^ +TD$/gm) ?? []).length).toBe(4 * 75);
    // One TBody per page the list is on.
    const listPages = pageTexts(file, pageCount(file)).filter((t) => t.includes("Подписант Номер")).length;
    expect((structure.match(/^ +TBody$/gm) ?? []).length).toBe(listPages);
    // Footers are artifacts: every page's footer is marked as a pagination artifact.
    const qdf = path.join(tmp, "ru.qdf.pdf");
    run("qpdf", ["--qdf", "--object-streams=disable", file, qdf]);
    const content = fs.readFileSync(qdf, "latin1");
    expect(content.split("/Artifact <</Type /Pagination /Subtype /Footer>> BDC").length - 1).toBe(pageCount(file));
    // Each row's cells are marked content with an MCID, inside the text object.
    expect(content).toMatch(/\/TD <<\/MCID \d+>> BDC [-\d. ]+T[dm] (\([^)]*\)|<[0-9a-f]+>) Tj EMC/);
  });

  it("gives the same bytes for the same input, attachments included", async () => {
    const again = await renderFile("ru-again.pdf", letter());
    expect(fs.readFileSync(again).equals(fs.readFileSync(file))).toBe(true);
  });

  it("refuses a malformed ledger head", async () => {
    await expect(renderFile("bad.pdf", letter({ ledger: { size: 3, root: "ABC" } }))).rejects.toThrow(/64 lower-case hex/);
  });
});

describe("combined and translated letters", () => {
  it("a combined ru + kk + en letter: one Part per language with its /Lang, the ledger line on every page in each part's words", async () => {
    const file = path.join(tmp, "combined.pdf");
    const parts = (["ru", "kk", "en"] as const).map((lang) => ({ input: letter({ lang }), rows: () => rows(75) }));
    const result = await renderCombined(parts, fs.createWriteStream(file), { attachments: attachments() });
    expect(spawnSync("qpdf", ["--check", file]).status).toBe(0);
    const all = objects(file);
    const langs = Object.entries(all)
      .filter(([, v]) => isDict(v) && v["/S"] === "/Part")
      .sort(([a], [b]) => parseInt(a) - parseInt(b))
      .map(([, v]) => (v as Dict)["/Lang"]);
    expect(langs).toEqual(["u:ru", "u:kk", "u:en"]);
    expect(Object.values(all).filter((v) => isDict(v) && v["/S"] === "/Table")).toHaveLength(3);
    const line = {
      ru: `Реестр подписей: записей 1 234 · корень ${ROOT}`,
      kk: `Қолдар тізілімі: жазбалар 1 234 · түбір ${ROOT}`,
      en: `Signatory ledger: 1,234 entries · root ${ROOT}`,
    };
    const texts = pageTexts(file, result.pages).map((t) => t.replace(/\s+/g, " "));
    const perPart = texts.length / 3;
    texts.forEach((t, i) => expect(t).toContain(line[(["ru", "kk", "en"] as const)[Math.floor(i / perPart)]!]));
    expect(run("qpdf", ["--list-attachments", file])).toMatch(/ledger\.csv[\s\S]*signatories\.csv/);
  });

  it("an en letter and a kk letter print the ledger line in their language", async () => {
    const en = await renderFile("en.pdf", letter({ lang: "en", originalLanguage: "ru" }));
    expect(run("pdftotext", [en, "-"]).replace(/\s+/g, " ")).toContain(`Signatory ledger: 1,234 entries · root ${ROOT}`);
    const kk = await renderFile("kk.pdf", letter({ lang: "kk", originalLanguage: "kk" }));
    expect(run("pdftotext", [kk, "-"]).replace(/\s+/g, " ")).toContain(`Қолдар тізілімі: жазбалар 1 234 · түбір ${ROOT}`);
  });

  it("a letter without a ledger prints no ledger line and no /AppealsLedger", async () => {
    const file = await renderFile("no-ledger.pdf", letter({ ledger: undefined }), []);
    expect(run("pdftotext", [file, "-"])).not.toContain("Реестр подписей");
    expect(Object.values(objects(file)).some((v) => isDict(v) && "/AppealsLedger" in v)).toBe(false);
    expect(run("pdfinfo", [file])).toMatch(/Tagged:\s+yes/);
  });
});

describe("signed PDF/A letters", () => {
  let identity: SigningIdentity;
  beforeAll(() => {
    identity = createSigningIdentity("Общественное объединение «Зелёный Алматы»");
  });

  it("a letter with attachments, tagging and the ledger, signed, is valid and wholly signed; one changed byte in an attachment breaks it", async () => {
    const file = await renderFile("signed.pdf", letter(), attachments(5000), true);
    await signPdfFile(file, identity);
    const out = run("pdfsig", [file]);
    expect(out).toContain("Signature Validation: Signature is Valid.");
    expect(out).toContain("  - Total document signed");
    expect(spawnSync("qpdf", ["--check", file]).status).toBe(0);

    // Change one byte inside the ledger.csv stream (the first EmbeddedFile's data).
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf("/Type /EmbeddedFile");
    const data = bytes.indexOf("stream\n", at) + 7 + 100;
    bytes[data] = bytes[data]! ^ 0x01;
    const tampered = path.join(tmp, "tampered.pdf");
    fs.writeFileSync(tampered, bytes);
    expect(spawnSync("pdfsig", [tampered], { encoding: "utf8" }).stdout).not.toContain("Signature is Valid.");
  });
});

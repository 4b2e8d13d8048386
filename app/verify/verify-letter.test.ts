import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeLeaf, type LeafFields } from "../ledger/leaf";
import { encodeReceipt } from "../ledger/receipt";
import { certificateFingerprint, createSigningIdentity, type SigningIdentity } from "../pdf/signing-identity.server";
import { bufferSource, fileSource } from "./pdf-reader.server";
import { makeLetter, type Entry, type LetterSpec } from "./test-letters";
import { verifyLetter, type VerifyOptions } from "./verify-letter.server";

let dir: string;
let identity: SigningIdentity;
let other: SigningIdentity;

const salt = (i: number) => crypto.createHash("sha256").update(`salt ${i}`).digest();
const people: Record<LetterSpec["lang"], (i: number) => LeafFields> = {
  en: (i) => ({
    name: `Jane Roe ${i}`,
    city: "Leeds",
    country: "GB",
    organization: i % 3 ? null : 'Friends of "Parks", Leeds',
    position: null,
    confirmed: "2026-11-02",
    revision: 1,
  }),
  ru: (i) => ({
    name: `Анна Петрова ${i}`,
    city: "Москва",
    country: "RU",
    organization: "Общество «Сад»",
    position: "председатель",
    confirmed: "2026-11-03",
    revision: 2,
  }),
  kk: (i) => ({
    name: `Әйгерім Нұрланқызы ${i}`,
    city: "Алматы",
    country: "KZ",
    organization: null,
    position: i === 1 ? "=SUM(A1)" : null,
    confirmed: "2026-11-04",
    revision: 1,
  }),
};

function entries(lang: LetterSpec["lang"], n: number, hidden: number[] = []): Entry[] {
  return Array.from({ length: n }, (_, i) =>
    hidden.includes(i) ? { hidden: crypto.createHash("sha256").update(`gone ${i}`).digest() } : { fields: people[lang](i), salt: salt(i) },
  );
}

async function letter(name: string, spec: Partial<LetterSpec> & { entries: Entry[] }): Promise<string> {
  const file = path.join(dir, name);
  await makeLetter(file, { lang: "en", code: "TEST-CODE-0001", identity, ...spec });
  return file;
}

async function verify(file: string, options: Omit<VerifyOptions, "earlier"> & { earlier?: string } = {}) {
  const source = await fileSource(file);
  const earlier = options.earlier ? await fileSource(options.earlier) : undefined;
  try {
    return await verifyLetter(source, { ...options, earlier });
  } finally {
    await source.close();
    await earlier?.close();
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-letter-"));
  identity = createSigningIdentity("Зелёный Алматы");
  other = createSigningIdentity("Forger Ltd");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("a good letter", () => {
  it.each(["en", "ru", "kk"] as const)("%s: every check holds, with the signer's fingerprint", async (lang) => {
    const list = entries(lang, 40, [7]);
    const file = await letter(`good-${lang}.pdf`, { lang, entries: list });
    const report = await verify(file, { fingerprint: certificateFingerprint(identity.certificate).toLowerCase().replace(/:/g, "") });
    expect(report.failures).toEqual([]);
    expect(report.facts.signer?.fingerprint).toBe(certificateFingerprint(identity.certificate));
    expect(report.facts.signer?.subject).toContain("Зелёный Алматы");
    expect(report.facts.code).toBe("TEST-CODE-0001");
    expect(report.held.join("\n")).toMatch(/rebuilds the stated tree: 40 entries/);
    expect(report.held.join("\n")).toMatch(/lists exactly the 39 signatories/);
  });

  it("a receipt is found, with its inclusion proof", async () => {
    const list = entries("ru", 25);
    const file = await letter("receipt.pdf", { lang: "ru", entries: list });
    const e = list[11];
    if (!e || !("fields" in e)) throw new Error("fixture");
    const receipt = encodeReceipt({ slug: "green-almaty", index: 11, leaf: encodeLeaf(e.fields, e.salt) });
    const report = await verify(file, { receipt });
    expect(report.failures).toEqual([]);
    expect(report.held.join("\n")).toContain("included in letter TEST-CODE-0001 as entry 12 of 25");
  });
});

describe("tampering is refused, one line per failure", () => {
  it("one changed byte anywhere breaks the signature", async () => {
    const file = await letter("byte.pdf", { entries: entries("en", 10) });
    const bytes = fs.readFileSync(file);
    for (const at of [20, Math.floor(bytes.length / 2), bytes.length - 40]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      const report = await verifyLetter(bufferSource(copy));
      expect(report.failures.length, `byte ${at}`).toBeGreaterThan(0);
      expect(report.failures.join("\n"), `byte ${at}`).toMatch(/^(signature|pdf|ledger|metadata): /m);
    }
    // In a page's content stream (not parsed by the verifier): only the signature notices.
    const copy = Buffer.from(bytes);
    const at = copy.indexOf("stream\n", 1000) + 20;
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    const report = await verifyLetter(bufferSource(copy));
    expect(report.failures).toContain("signature: the document was changed after signing (the signed digest differs from the SHA-256 of the signed bytes)");
  });

  it("bytes appended after signing", async () => {
    const file = await letter("append.pdf", { entries: entries("en", 3) });
    const report = await verifyLetter(bufferSource(Buffer.concat([fs.readFileSync(file), Buffer.from("\n% more\n")])));
    expect(report.failures.some((f) => f.includes("does not cover the whole file"))).toBe(true);
  });

  it("the ledger altered and re-signed by another key: the root differs from the stated one", async () => {
    const file = await letter("forged-ledger.pdf", {
      identity: other,
      entries: entries("en", 10),
      tamper: { ledgerCsv: (t) => t.replace("Jane Roe 4,", "John Doe 4,") },
    });
    const report = await verify(file);
    expect(report.failures.filter((f) => f.startsWith("ledger: the embedded ledger.csv gives 10 entries"))).toHaveLength(1);
    expect(report.failures.some((f) => f.startsWith("ledger: signatories.csv: line 6: signatory 5's name differs"))).toBe(true);
  });

  it("the forger also changed the stated root: only the fingerprint shows it", async () => {
    const list = entries("en", 10);
    const e = list[4];
    if (!e || !("fields" in e)) throw new Error("fixture");
    e.fields = { ...e.fields, name: "John Doe 4" };
    const file = await letter("forged-all.pdf", { identity: other, entries: list });
    expect((await verify(file)).failures).toEqual([]);
    const report = await verify(file, { fingerprint: certificateFingerprint(identity.certificate) });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(/^signature: signed by another certificate \([0-9A-F:]{95}\) than the expected [0-9A-F:]{95}$/);
  });

  it("a signer removed from the list", async () => {
    const file = await letter("removed.pdf", {
      entries: entries("kk", 8),
      tamper: {
        signatoriesCsv: (t) =>
          t
            .split("\n")
            .filter((l) => !l.startsWith("3,"))
            .join("\n"),
      },
    });
    const report = await verify(file);
    expect(report.failures).toEqual(['ledger: signatories.csv: line 4: numbered "4", expected 3']);
  });

  it("a row removed from ledger.csv: the indexes break", async () => {
    const file = await letter("ledger-row.pdf", {
      entries: entries("en", 8),
      tamper: {
        ledgerCsv: (t) =>
          t
            .split("\n")
            .filter((l) => !l.startsWith("5,"))
            .join("\n"),
      },
    });
    const report = await verify(file);
    expect(report.failures).toContain('ledger: ledger.csv: line 7: the index is "6", expected 5 (entries in index order from 0)');
  });

  it("forged and altered receipts", async () => {
    const list = entries("en", 12);
    const file = await letter("receipts.pdf", { entries: list });
    const e = list[3];
    if (!e || !("fields" in e)) throw new Error("fixture");
    const good = encodeReceipt({ slug: "parks", index: 3, leaf: encodeLeaf(e.fields, e.salt) });
    expect((await verify(file, { receipt: good })).failures).toEqual([]);
    const cases: [string, string][] = [
      [encodeReceipt({ slug: "parks", index: 3, leaf: encodeLeaf({ ...e.fields, name: "Someone Else" }, e.salt) }), "entry 3 of the letter is another leaf"],
      [encodeReceipt({ slug: "parks", index: 3, leaf: encodeLeaf(e.fields, salt(99)) }), "entry 3 of the letter is another leaf"],
      [encodeReceipt({ slug: "parks", index: 4, leaf: encodeLeaf(e.fields, e.salt) }), "entry 4 of the letter is another leaf"],
      [encodeReceipt({ slug: "parks", index: 12, leaf: encodeLeaf(e.fields, e.salt) }), "beyond its 12 entries"],
      [good.slice(0, -2), "receipt: refused: the receipt's leaf"],
      [good.replace("appeals-receipt:1:", "appeals-receipt:2:"), "version 2"],
      ["hello", "not a receipt"],
    ];
    for (const [receipt, message] of cases) {
      const report = await verify(file, { receipt });
      expect(report.failures, receipt).toHaveLength(1);
      expect(report.failures[0], receipt).toContain(message);
    }
  });
});

describe("an earlier letter", () => {
  it("a later letter extends an earlier one; an unrelated or shrunken one does not", async () => {
    const all = entries("ru", 30, [2]);
    const earlier = await letter("earlier.pdf", { lang: "ru", code: "EARL-0001", entries: all.slice(0, 17) });
    const later = await letter("later.pdf", { lang: "ru", code: "LATE-0002", entries: all });
    const ok = await verify(later, { earlier });
    expect(ok.failures).toEqual([]);
    expect(ok.held.join("\n")).toContain("this letter (30 entries) extends the earlier letter EARL-0001 (17 entries)");

    const unrelated = await letter("unrelated.pdf", { code: "OTHR-0003", entries: entries("en", 9) });
    const r1 = await verify(later, { earlier: unrelated });
    expect(r1.failures).toHaveLength(1);
    expect(r1.failures[0]).toMatch(/^consistency: this letter does not extend the earlier letter OTHR-0003/);

    const missing = all.filter((_, i) => i !== 5);
    const shrunk = await letter("missing.pdf", { lang: "ru", code: "LATE-0004", entries: missing });
    const r2 = await verify(shrunk, { earlier });
    expect(r2.failures).toHaveLength(1);
    expect(r2.failures[0]).toMatch(/^consistency: this letter does not extend/);

    const r3 = await verify(earlier, { earlier: later });
    expect(r3.failures).toEqual(["consistency: the earlier letter LATE-0002 has more entries (30) than this one (17): it is not earlier"]);
  });
});

describe("malformed files: clear lines, never a throw", () => {
  it("truncated, garbage, empty, unsigned, without the ledger", async () => {
    const file = await letter("base.pdf", { entries: entries("en", 5) });
    const bytes = fs.readFileSync(file);
    const inputs: [string, Buffer, RegExp][] = [
      ["empty", Buffer.alloc(0), /^pdf: not a readable PDF: not a PDF/],
      ["garbage", crypto.randomBytes(5000), /^pdf: not a readable PDF/],
      ["truncated", bytes.subarray(0, Math.floor(bytes.length * 0.7)), /^pdf: not a readable PDF: no startxref/],
      ["bad startxref", Buffer.concat([bytes.subarray(0, bytes.length - 30), Buffer.from("startxref\n999999999\n%%EOF\n")]), /^pdf: not a readable PDF/],
      ["header only", Buffer.from("%PDF-1.7\nstartxref\n9\n%%EOF\n"), /^pdf: not a readable PDF/],
      [
        "deep nesting",
        Buffer.from(
          `%PDF-1.7\n1 0 obj\n${"[".repeat(100_000)}\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Root 1 0 R >>\nstartxref\n${9 + 8 + 100_001 + 8}\n%%EOF\n`,
        ),
        /^pdf: /,
      ],
    ];
    for (const [what, data, line] of inputs) {
      const report = await verifyLetter(bufferSource(data));
      expect(report.failures.length, what).toBeGreaterThan(0);
      expect(report.failures[0], what).toMatch(line);
    }
    const unsigned = await letter("unsigned.pdf", { entries: entries("en", 5), tamper: { unsigned: true } });
    expect((await verify(unsigned)).failures).toEqual(["signature: the letter carries no signature"]);
    const noLedger = await letter("no-ledger.pdf", { entries: entries("en", 5), tamper: { omit: "ledger.csv" } });
    expect((await verify(noLedger)).failures).toEqual(["ledger: the letter embeds no ledger.csv"]);
  });

  it("every truncation point of a small letter gives failure lines, never a throw", async () => {
    const file = await letter("small.pdf", { entries: entries("en", 2) });
    const bytes = fs.readFileSync(file);
    for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 150))) {
      const report = await verifyLetter(bufferSource(bytes.subarray(0, cut)));
      expect(report.failures.length, `cut at ${cut}`).toBeGreaterThan(0);
    }
  });
});

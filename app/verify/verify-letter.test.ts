import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeLeaf, type LeafFields } from "../ledger/leaf";
import { encodeReceipt } from "../ledger/receipt";
import { renderLetter, type LetterSignatory } from "../pdf/render.server";
import { signPdfFile } from "../pdf/sign.server";
import { certificateFingerprint, createSigningIdentity, type SigningIdentity } from "../pdf/signing-identity.server";
import { bufferSource, fileSource } from "./pdf-reader.server";
import { isPrinted, leafHashOf, ledgerCsv, makeLetter, signatoriesCsv, treeOf, type Entry, type LetterSpec } from "./test-letters.server";
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

    // A signature withdrawn after the earlier delivery: the later letter no longer prints it, but
    // keeps its leaf (the hash only), so it still extends the earlier letter.
    const withdrawn = all.map((e, i) => (i === 4 ? { hidden: leafHashOf(e) } : e));
    const afterWithdrawal = await letter("withdrawn.pdf", { lang: "ru", code: "LATE-0005", entries: withdrawn });
    const r4 = await verify(afterWithdrawal, { earlier });
    expect(r4.failures).toEqual([]);
    expect(r4.held.join("\n")).toContain("lists exactly the 28 signatories");
    expect(r4.held.join("\n")).toContain("extends the earlier letter EARL-0001 (17 entries)");

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

  it("300 random damages to the structure of a small letter: failure lines, never a throw or a hang", async () => {
    const file = await letter("fuzz.pdf", { entries: entries("en", 3) });
    const bytes = fs.readFileSync(file);
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    // The dictionaries (not the compressed streams), where the parser works: around each "obj" and the tail.
    const spots = [...bytes.toString("latin1").matchAll(/obj|trailer|xref|startxref/g)].map((m) => m.index);
    for (let round = 0; round < 300; round++) {
      const copy = Buffer.from(bytes);
      for (let k = 0; k <= random(3); k++) {
        const at = Math.min(copy.length - 1, (spots[random(spots.length)] ?? 0) + random(120));
        copy[at] = [0x3c, 0x3e, 0x5b, 0x5d, 0x28, 0x29, 0x2f, 0x30, 0x20, 0x0a, random(256)][random(11)] ?? 0;
      }
      const report = await verifyLetter(bufferSource(copy));
      expect(report.failures.length + report.held.length).toBeGreaterThan(0);
      if (!copy.equals(bytes)) expect(report.failures.length, `round ${round}`).toBeGreaterThan(0);
    }
  }, 120_000);

  it("every truncation point of a small letter gives failure lines, never a throw", async () => {
    const file = await letter("small.pdf", { entries: entries("en", 2) });
    const bytes = fs.readFileSync(file);
    for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 150))) {
      const report = await verifyLetter(bufferSource(bytes.subarray(0, cut)));
      expect(report.failures.length, `cut at ${cut}`).toBeGreaterThan(0);
    }
  });
});

describe("other letters the reader meets", () => {
  it("a letter by the real renderer (app/pdf/render.server.ts) with its ledger and files, signed: every check holds", async () => {
    const file = path.join(dir, "rendered.pdf");
    const generatedAt = new Date("2026-12-01T10:00:00Z");
    const list = entries("kk", 30, [9]);
    const printed = list.filter(isPrinted);
    async function* rows(): AsyncGenerator<LetterSignatory> {
      for (const e of printed) yield { ...e.fields, confirmedAt: new Date(`${e.fields.confirmed}T12:00:00Z`) };
    }
    const files = path.join(dir, "rendered-files");
    fs.mkdirSync(files);
    fs.writeFileSync(path.join(files, "ledger.csv"), ledgerCsv(list));
    fs.writeFileSync(path.join(files, "signatories.csv"), signatoriesCsv(list));
    const input = {
      lang: "kk",
      originalLanguage: "ru",
      organization: "Зелёный Алматы",
      generatedAt,
      snapshotId: "verify-rendered",
      title: "Ашық хат",
      bodyMarkdown: "Құрметті мырзалар!",
      addressees: [{ name: "Министр", position: "Министр", institution: "Министрлік" }],
      revision: 1,
      appealUrl: "https://appeals.example.org/a/x",
      verificationCode: "7K3Q-9XWD-M2PA",
      verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
      count: printed.length,
      ledger: treeOf(list),
    };
    await renderLetter(input, rows(), fs.createWriteStream(file), {
      signature: { signedAt: generatedAt, name: "Зелёный Алматы", reason: "7K3Q-9XWD-M2PA" },
      attachments: ["ledger.csv", "signatories.csv"].map((name) => ({ name, path: path.join(files, name), mimeType: "text/csv", description: name })),
    });
    await signPdfFile(file, identity);
    const report = await verify(file);
    expect(report.held.slice(0, 3)).toEqual([
      expect.stringMatching(/^the signature covers the whole file but its \/Contents/),
      "the signed digest is the SHA-256 of the whole file but the signature",
      "the signature verifies with the embedded certificate's key",
    ]);
    expect(report.facts.signedAt).toBe("2026-12-01T10:00:00Z");
    expect(report.failures).toEqual([]);
    expect(report.facts.code).toBe("7K3Q-9XWD-M2PA");
    expect(report.held.join("\n")).toContain("rebuilds the stated tree: 30 entries");
    expect(report.held.join("\n")).toContain("lists exactly the 29 signatories");
  });

  it("an RSA signer, and a B-T letter time-stamped by openssl ts", async () => {
    const rsa = createSigningIdentity("RSA Org", { keyType: "rsa" });
    const tsa = path.join(dir, "tsa");
    fs.mkdirSync(tsa);
    const at = (n: string) => path.join(tsa, n);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
    openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      at("tsa.key"),
      "-out",
      at("tsa.pem"),
      "-subj",
      "/CN=Test TSA",
      "-days",
      "30",
      "-addext",
      "extendedKeyUsage=critical,timeStamping",
    );
    fs.writeFileSync(
      at("tsa.cnf"),
      [
        "[tsa]",
        "default_tsa = local",
        "[local]",
        `dir = ${tsa}`,
        "serial = $dir/serial",
        "signer_cert = $dir/tsa.pem",
        "certs = $dir/tsa.pem",
        "signer_key = $dir/tsa.key",
        "signer_digest = sha256",
        "default_policy = 1.3.6.1.4.1.99999.1",
        "digests = sha256",
        "ess_cert_id_alg = sha256",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(at("serial"), "01\n");
    const timestamp = (data: Buffer) => {
      fs.writeFileSync(at("data"), data);
      openssl("ts", "-query", "-data", at("data"), "-sha256", "-cert", "-out", at("q.tsq"));
      openssl("ts", "-reply", "-config", at("tsa.cnf"), "-queryfile", at("q.tsq"), "-token_out", "-out", at("token.der"));
      return Promise.resolve(fs.readFileSync(at("token.der")));
    };
    const file = await letter("bt.pdf", { identity: rsa, entries: entries("en", 6), sign: { timestamp } });
    const report = await verify(file, { fingerprint: certificateFingerprint(rsa.certificate) });
    expect(report.failures).toEqual([]);
    expect(report.facts.timestamp).toBeInstanceOf(Date);
    expect(Math.abs((report.facts.timestamp?.getTime() ?? 0) - Date.now())).toBeLessThan(10 * 60_000);
    expect(report.held.join("\n")).toMatch(/time-stamped at \d{4}-\d{2}-\d{2}T.*token imprint matches the signature/);
    // A token for other data (another signature's, replayed) is refused.
    const other = await letter("bt-other.pdf", {
      identity: rsa,
      entries: entries("en", 6),
      sign: { timestamp: (d) => timestamp(Buffer.concat([d, Buffer.from("x")])) },
    });
    expect((await verify(other)).failures).toEqual(["time-stamp: the token is for other data than this signature"]);
  }, 60_000);

  it("the same letter re-saved with object streams and a cross-reference stream (qpdf): read alike; the signature no longer covers it", async () => {
    const file = await letter("objstm-src.pdf", { lang: "ru", entries: entries("ru", 12, [3]) });
    const out = path.join(dir, "objstm.pdf");
    execFileSync("qpdf", ["--object-streams=generate", "--compress-streams=y", file, out]);
    expect(fs.readFileSync(out).includes("/ObjStm")).toBe(true);
    const report = await verify(out);
    expect(report.held.join("\n")).toMatch(/rebuilds the stated tree: 12 entries/);
    expect(report.facts.code).toBe("TEST-CODE-0001");
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures.every((f) => f.startsWith("signature: "))).toBe(true);
  });
});

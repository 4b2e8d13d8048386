import crypto from "node:crypto";
import { readFileSync } from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { readLedger } from "./ledger-files";

/** ledger.csv and signatories.csv read strictly as docs/verification.md §1.6 specifies them. */

async function* chunks(text: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  // Small chunks: records and UTF-8 sequences are split across them.
  for (let at = 0; at < bytes.length; at += size) {
    await Promise.resolve();
    yield bytes.subarray(at, at + size);
  }
}

const doc = readFileSync("docs/verification.md", "utf8");
const blocks = [...doc.matchAll(/```csv\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
const [LEDGER = "", LIST = ""] = blocks;

describe("the embedded files", () => {
  it("the documented example rebuilds the documented size-3 root, with signer 1 withdrawn", async () => {
    expect(blocks).toHaveLength(2);
    const r = await readLedger(chunks(LEDGER), chunks(LIST), true);
    expect(r.failures).toEqual([]);
    expect(r.size).toBe(3);
    expect(r.printed).toBe(2);
    expect(Buffer.from(r.root ?? []).toString("hex")).toBe("ecef18e655448ebd2dc0088f12ebd6ef0ea2ee5ab8681835d388e92ec278bd65");
    expect(doc).toContain("ecef18e655448ebd2dc0088f12ebd6ef0ea2ee5ab8681835d388e92ec278bd65");
    expect(r.leaves?.length).toBe(3);
  });

  it("quoting as RFC 4180 needs it, and the formula guard", async () => {
    const salt = "00".repeat(32);
    const ledger = `${LEDGER.split("\n")[0]}\n0,${salt},"Doe, ""Jane""",-Leeds,GB,"line1\nline2",=1+1,2026-03-05,1,\n`;
    const list = `${LIST.split("\n")[0]}\n1,"Doe, ""Jane""",'-Leeds,GB,"line1\nline2",'=1+1,2026-03-05\n`;
    const r = await readLedger(chunks(ledger, 3), chunks(list, 5), false);
    expect(r.failures).toEqual([]);
    expect(r.size).toBe(1);
    const unguarded = await readLedger(chunks(ledger), chunks(list.replace("'-Leeds", "-Leeds")), false);
    expect(unguarded.failures).toEqual(["signatories.csv: line 2: signatory 1's city differs from ledger.csv entry 0"]);
  });

  it("anything else in ledger.csv is refused with its line", async () => {
    const [header = "", row0 = "", row1 = "", row2 = ""] = LEDGER.split("\n");
    const cases: [string | Uint8Array, string][] = [
      [`\ufeff${LEDGER}`, "line 1: the file starts with a byte-order mark"],
      [LEDGER.replace(/\n/g, "\r\n"), "line 1: a field holds a CR without being quoted"],
      [LEDGER.slice(0, -1), "line 4: the last line does not end with LF"],
      [LEDGER.replace("Jane Doe", '"Jane Doe"'), "line 4: a field is quoted that needs no quotes"],
      [LEDGER.replace("Jane Doe", '"Jane Doe'), "line 4: the last line does not end with LF (an unclosed quote?)"],
      [LEDGER.replace("index,", "idx,"), "line 1: the header is not"],
      ["", "the file is empty (no header)"],
      [`${header}\n${row0}\n${row2}\n`, 'line 3: the index is "2", expected 1'],
      [`${header}\n${row1}\n${row0}\n`, 'line 2: the index is "1", expected 0'],
      [LEDGER.replace(",KZ,", ",kz,"), "line 2 (entry 0): the country is not in canonical form"],
      [LEDGER.replace("Aigerim", "Aigerim\u0332"), ""],
      [LEDGER.replace("Aigerim", "A\u0301igerim".normalize("NFD")), "line 2 (entry 0): the name is not in canonical form"],
      [LEDGER.replace(",2026-03-05,", ",2026-02-30,"), "line 2 (entry 0): the confirmation day"],
      [LEDGER.replace(",1,\n", ",01,\n"), 'line 2 (entry 0): the revision "01" is not a positive decimal'],
      [LEDGER.replace("000102", "ABCDEF"), "line 2 (entry 0): the salt is not 64 lower-case hex digits"],
      [LEDGER.replace(",,,,,,,,,b016", ",,,,,,,,,B016"), "line 3 (entry 1): the leaf_hash is not 64 lower-case hex digits"],
      [LEDGER.replace("1,,,,,,,,,b016", "1,,x,,,,,,,b016"), "line 3 (entry 1): an entry with a leaf_hash must have its other fields empty"],
      [LEDGER.replace(",Almaty,", ",,"), ""],
      [LEDGER.replace(",Almaty,", ",Almaty,,"), "line 2: 11 fields, not 10"],
      [
        Buffer.concat([Buffer.from(LEDGER.slice(0, 120)), Buffer.from([0xc3, 0x28]), Buffer.from(LEDGER.slice(120))]),
        "line 1 or later: the file is not valid UTF-8",
      ],
      [`${header}\n0,${"00".repeat(32)},"${"x".repeat(300_000)}`, "line 2: a line longer than 262144 characters"],
    ];
    for (const [text, message] of cases) {
      const r = await readLedger(chunks(text, 4096), null, false);
      if (message === "") {
        // Still a valid file (another leaf): only the root tells.
        expect(r.failures, JSON.stringify(text).slice(0, 80)).toEqual([]);
        expect(Buffer.from(r.root ?? []).toString("hex")).not.toBe("ecef18e655448ebd2dc0088f12ebd6ef0ea2ee5ab8681835d388e92ec278bd65");
        continue;
      }
      expect(r.failures, message).toHaveLength(1);
      expect(r.failures[0], message).toContain(`ledger.csv: ${message}`);
      expect(r.size).toBeNull();
    }
  });

  it("signatories.csv: a row removed, added, changed or renumbered", async () => {
    const [header = "", a = "", b = ""] = LIST.split("\n");
    const cases: [string, string][] = [
      [`${header}\n${a}\n`, "signatories.csv: ends after 1 signatories; ledger.csv prints entry 2 as signatory 2"],
      [`${header}\n${b}\n`, 'signatories.csv: line 2: numbered "2", expected 1'],
      [`${LIST}3,Someone,,,,,2026-03-07\n`, "signatories.csv: line 4: more signatories than the 2 entries ledger.csv prints"],
      [LIST.replace("Jane Doe", "Jane Roe"), "signatories.csv: line 3: signatory 2's name differs from ledger.csv entry 2"],
      [LIST.replace("number,", "n,"), "signatories.csv: line 1: the header is not"],
      [LIST.replace(",KZ,", ",KZ,,"), "signatories.csv: line 2: 8 fields, not 7"],
    ];
    for (const [list, message] of cases) {
      const r = await readLedger(chunks(LEDGER), chunks(list), false);
      expect(r.failures, message).toHaveLength(1);
      expect(r.failures[0], message).toContain(message);
      expect(r.size, "the ledger itself still holds").toBe(3);
    }
  });
});

describe("a large ledger", () => {
  it("is read as a stream: 150,000 entries (~40 MB of CSV) in bounded memory", async () => {
    const n = 150_000;
    const header = LEDGER.split("\n")[0] ?? "";
    let produced = 0;
    async function* big(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`${header}\n`);
      for (let i = 0; i < n; i += 1000) {
        let text = "";
        for (let k = i; k < i + 1000; k++) {
          const salt = crypto.createHash("sha256").update(String(k)).digest("hex");
          text += `${k},${salt},Анна Петрова-Сидорова ${k},Алматы,KZ,"Общественное объединение «Зелёный Алматы», филиал",член правления,2026-11-01,1,\n`;
        }
        const chunk = Buffer.from(text);
        produced += chunk.length;
        // What stays reachable (after a full collection), every 25,000 entries.
        if (i % 25_000 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
        await Promise.resolve();
        yield chunk;
      }
    }
    v8.setFlagsFromString("--expose-gc");
    const exposed: unknown = vm.runInNewContext("gc");
    if (typeof exposed !== "function") throw new Error("no gc");
    const gc = () => void Reflect.apply(exposed, undefined, []);
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const r = await readLedger(big(), null, false);
    expect(r.failures).toEqual([]);
    expect(r.size).toBe(n);
    expect(produced).toBeGreaterThan(20_000_000);
    const growth = (peak - before) / 1024 / 1024;
    console.log(`150k entries, ${(produced / 1024 / 1024).toFixed(1)} MB of CSV: retained heap growth ${growth.toFixed(1)} MB`);
    expect(growth, "retained heap growth in MB").toBeLessThan(15);
  }, 120_000);
});

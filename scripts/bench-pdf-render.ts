/**
 * Benchmarks the delivery-letter renderer (app/pdf/render.server.ts) on synthetic letters.
 *
 *   npx tsx scripts/bench-pdf-render.ts              # 10k, 100k and 1M rows, one child process each
 *   npx tsx scripts/bench-pdf-render.ts 250000       # just that size
 *   npx tsx scripts/bench-pdf-render.ts --child N    # (internal) render N rows and report
 *
 * Each size runs in a fresh `node` process so the figures are the whole process: module loading,
 * font parsing, the dry run, rendering and writing the file. Names are unique and mix Latin with
 * diacritics, Cyrillic (Kazakh letters), Greek, Georgian, Armenian, and a share of Han and Arabic
 * that must be transliterated. Rows come from an async generator, as from a database cursor.
 * Output goes to $TMPDIR/bench-letter-<rows>.pdf.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LetterInput, LetterSignatory } from "../app/pdf/render.server";

const TARGETS: Record<number, { seconds: number; rssMb: number | null }> = {
  10_000: { seconds: 2, rssMb: null },
  100_000: { seconds: 10, rssMb: 250 },
  1_000_000: { seconds: 90, rssMb: 300 },
};

const GIVEN = [
  "Айгерім",
  "Ғалым",
  "Һибатулла",
  "Екатерина",
  "Олександр",
  "Бактыгүл",
  "Qanat",
  "Zofia",
  "Çağrı",
  "Jürgen",
  "François",
  "Ōzbek",
  "Νίκος",
  "ნინო",
  "Արամ",
  "Łucja",
  "Søren",
  "Ἀλέξανδρος",
  "Өмірзақ",
  "Ұлжан",
];
const FAMILY = [
  "Сейітқалиева",
  "Өтегенұлы",
  "Ұзақбаев",
  "Вьюгина",
  "Ґудзь",
  "Жээнбекова",
  "Jūsіpbek",
  "Łukasiewicz-Żółć",
  "Şıkoğlu",
  "Weiß",
  "Lœuvre",
  "Gʻulomov",
  "Παπαδόπουλος",
  "ბერიძე",
  "Գրիգորյան",
  "Nowak",
  "Kierkegaard",
  "Иванов",
  "Құрманғазы",
  "Δημητρίου",
];
const CITIES: Array<[string, string]> = [
  ["Қарағанды", "KZ"],
  ["Алматы", "KZ"],
  ["Санкт-Петербург", "RU"],
  ["Київ", "UA"],
  ["Бишкек", "KG"],
  ["Łódź", "PL"],
  ["İzmir", "TR"],
  ["Nürnberg", "DE"],
  ["Besançon", "FR"],
  ["Toshkent", "UZ"],
  ["Θεσσαλονίκη", "GR"],
  ["თბილისი", "GE"],
  ["Երևան", "AM"],
  ["Душанбе", "TJ"],
  ["Sevilla", "ES"],
];
const SUFFIX_CYRILLIC = [..."абвгдеёжзийклмнопрстуфхцчшщэюяәғқңөұүһіъь"];
const SUFFIX_LATIN = [..."aąbcćdeęfghijklłmnńoóprsśtuwyzźżäöüßçéèœşğ"];
const HAN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
const ARABIC = ["محمد", "أحمد", "علي", "حسن", "فاطمة", "مريم"];

function syntheticRow(i: number): LetterSignatory {
  const g = GIVEN[i % GIVEN.length];
  const f = FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length];
  // A unique suffix per row: i written in base 42 with Cyrillic (Kazakh) or Polish letters.
  const alphabet = i % 2 ? SUFFIX_CYRILLIC : SUFFIX_LATIN;
  let n = i;
  let suffix = "";
  do {
    suffix += alphabet[n % alphabet.length];
    n = Math.floor(n / alphabet.length);
  } while (n > 0);
  let name = `${g} ${f}-${suffix}`;
  if (i % 50 === 7) name = `${HAN[i % HAN.length]}${HAN[(i >> 3) % HAN.length]}${HAN[(i >> 6) % HAN.length]} ${i}`;
  if (i % 50 === 23) name = `${ARABIC[i % ARABIC.length]} ${ARABIC[(i >> 2) % ARABIC.length]} ${i}`;
  const [city, country] = CITIES[i % CITIES.length];
  return {
    name,
    city: i % 11 === 0 ? null : city,
    country: i % 13 === 0 ? null : country,
    organization: i % 3 === 0 ? `Организация №${i % 997}` : null,
    position: i % 5 === 0 ? "координатор" : null,
    confirmedAt: new Date(Date.UTC(2025, 0, 1) + (i % 400) * 3_600_000 * 7),
    revision: i % 9 === 0 ? 1 : 2,
  };
}

async function* syntheticRows(count: number): AsyncGenerator<LetterSignatory> {
  for (let i = 0; i < count; i++) yield syntheticRow(i);
}

function syntheticInput(count: number): LetterInput {
  return {
    lang: "kk",
    originalLanguage: "ru",
    organization: "«Жасыл Алматы» қоғамдық бірлестігі",
    generatedAt: new Date("2025-03-05T10:00:00Z"),
    snapshotId: `bench-${count}`,
    title: "Абай көшесіндегі ғимаратты сақтау туралы ашық хат",
    bodyMarkdown: Array.from(
      { length: 6 },
      (_, k) =>
        `## Бөлім ${k + 1}\n\nБіз, төменде қол қойғандар, **шұғыл** түрде *тарихи* ғимаратты бұзу туралы шешімді қайта қарауды сұраймыз. [Толығырақ](https://example.org).\n\n- бірінші талап\n- екінші талап`,
    ).join("\n\n"),
    addressees: [{ name: "Иван Иванов", position: "Алматы қаласының әкімі", institution: "Алматы қаласының әкімдігі" }],
    revision: 2,
    appealUrl: "https://appeals.example.org/a/save-abay",
    verificationCode: "7K3Q-9XWD-M2PA",
    verifyUrl: "https://appeals.example.org/verify/7K3Q-9XWD-M2PA",
    count,
  };
}

async function child(count: number): Promise<void> {
  const started = performance.now();
  const { renderLetter } = await import("../app/pdf/render.server");
  const file = path.join(os.tmpdir(), `bench-letter-${count}.pdf`);
  const result = await renderLetter(syntheticInput(count), syntheticRows(count), fs.createWriteStream(file));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage();
  const report = {
    rows: count,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    pages: result.pages,
    flagged: result.flaggedTotal,
    bytes: fs.statSync(file).size,
    file,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

interface ChildReport {
  rows: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  pages: number;
  flagged: number;
  bytes: number;
  file: string;
}

function isChildReport(v: unknown): v is ChildReport {
  return typeof v === "object" && v !== null && "rows" in v && "seconds" in v && "cpuSeconds" in v && "maxRssMb" in v;
}

/** Runs one size in a fresh process; wall time is measured around the whole process. */
function runChild(count: number): Promise<ChildReport & { wallSeconds: number }> {
  const self = fileURLToPath(import.meta.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", self, "--child", String(count)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.on("error", reject);
    proc.on("close", (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`child for ${count} rows exited with ${code}`));
      const parsed: unknown = JSON.parse(out.trim().split("\n").pop() ?? "{}");
      if (!isChildReport(parsed)) return reject(new Error(`unexpected child output: ${out}`));
      resolve({ ...parsed, wallSeconds });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") return child(Number(args[1]));
  const sizes = args.length ? args.map((a) => Number(a.replace(/_/g, ""))) : [10_000, 100_000, 1_000_000];
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  console.log("wall = whole child process; render = import + render inside it; cpu = user+system of the child");
  console.log("rows       wall s   render s   cpu s  peak RSS MB  pages   PDF MB   flagged  vs target (wall, RSS)");
  for (const rows of sizes) {
    const r = await runChild(rows);
    const t = TARGETS[rows];
    const ratio = t
      ? `${(r.wallSeconds / t.seconds).toFixed(2)}× of ${t.seconds}s` + (t.rssMb ? `, ${(r.maxRssMb / t.rssMb).toFixed(2)}× of ${t.rssMb} MB` : "")
      : "(no target)";
    console.log(
      `${String(rows).padEnd(10)} ${r.wallSeconds.toFixed(2).padStart(6)}   ${r.seconds.toFixed(2).padStart(7)}  ${r.cpuSeconds.toFixed(2).padStart(6)}  ${r.maxRssMb.toFixed(0).padStart(11)}  ${String(r.pages).padStart(6)}  ${(r.bytes / 1e6).toFixed(1).padStart(7)}  ${String(r.flagged).padStart(8)}  ${ratio}`,
    );
  }
}

await main();

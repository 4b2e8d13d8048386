import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailSamples, type MailSample } from "../tests/fixtures/emails";
import { SmtpSink } from "../tests/setup/smtp-sink";
import { createMailTransport } from "./transport.server";

/**
 * Every kind of e-mail, in en/ru/kk, as nodemailer puts it on the wire (captured by the SMTP
 * sink), scored by Debian's SpamAssassin with the rules Debian ships (no sa-update, no network
 * tests, no Bayes, no auto-welcomelist: the same verdict on every run). Each must score below 1.0:
 * an organizer's relay adding its own points must still leave our mails far from any threshold.
 * About 10 s: two spamassassin processes, each scoring half of the messages.
 */

const FROM = "Appeals <no-reply@appeals.example.org>";
const LIMIT = 1.0;

let sink: SmtpSink;
let dir: string;
const received = new Map<string, Buffer>();
const samples = mailSamples();
const id = (s: MailSample) => `${s.kind}.${s.lang}`;

beforeAll(async () => {
  const version = spawnSync("spamassassin", ["--version"], { encoding: "utf8" });
  if (version.status !== 0) throw new Error("spamassassin is not installed (Debian: apt-get install spamassassin)");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "appeals-sa-"));
  // User preferences of our own, so nothing under ~/.spamassassin is read or written.
  fs.writeFileSync(path.join(dir, "user_prefs"), "use_bayes 0\nbayes_auto_learn 0\nskip_rbl_checks 1\n");
  sink = new SmtpSink();
  await sink.start();
  const transport = createMailTransport({ url: sink.url, from: FROM, maxConnections: 2 });
  try {
    await Promise.all(samples.map((s) => transport.send({ ...s.mail, messageId: `<${id(s)}@appeals.example.org>` })));
  } finally {
    transport.close();
  }
  for (const m of sink.messages) received.set(m.headers["message-id"]?.replace(/^<|@.*$/g, "") ?? "", m.raw);
}, 60_000);

afterAll(async () => {
  await sink?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Verdict {
  id: string;
  score: number;
  tests: string[];
}

/**
 * Scores a batch of messages with one spamassassin process (`--mbox`): loading the rules takes
 * ~1.5 s, checking a message ~0.1 s, so a process per message would take a minute.
 */
function spamassassin(batch: Array<{ id: string; raw: Buffer }>, name: string): Promise<Verdict[]> {
  // mboxrd: each message after a "From " line, its own "From " lines quoted.
  const mbox = batch
    .map(
      (m) =>
        `From MAILER-DAEMON Thu Dec  3 08:00:00 2026\n${m.raw
          .toString("utf8")
          .replace(/\r\n/g, "\n")
          .replace(/^(>*From )/gm, ">$1")}\n`,
    )
    .join("");
  const file = path.join(dir, `${name}.mbox`);
  fs.writeFileSync(file, mbox);
  const args = ["-t", "-L", "-p", path.join(dir, "user_prefs"), "--cf=dns_available no", "--cf=use_auto_whitelist 0", "--cf=use_txrep 0", "--mbox", file];
  return new Promise((resolve, reject) => {
    const child = spawn("spamassassin", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      // Each report carries X-Spam-Status (folded: "No, score=0.1 required=5.0 tests=A,B …") and the message's Message-ID.
      const verdicts: Verdict[] = [];
      for (const report of out.split(/^From MAILER-DAEMON .*$/m)) {
        const status = /^X-Spam-Status: ([\s\S]*?)\n(?![ \t])/m.exec(report)?.[1]?.replace(/\s+/g, " ");
        const id = /^Message-ID: <([^@>]+)@/im.exec(report)?.[1];
        const score = status ? /score=(-?[\d.]+)/.exec(status)?.[1] : undefined;
        if (!status || !id || score === undefined) continue;
        const tests = /tests=(\S*)/.exec(status)?.[1] ?? "";
        verdicts.push({ id, score: Number(score), tests: tests.split(",").filter((t) => t && t !== "none") });
      }
      if (verdicts.length !== batch.length)
        return reject(new Error(`spamassassin exited ${code} with ${verdicts.length} of ${batch.length} verdicts: ${err.slice(0, 500)}`));
      resolve(verdicts);
    });
  });
}

describe("SpamAssassin", () => {
  it("scores every kind of e-mail, in every language, below 1.0", async () => {
    expect([...received.keys()].sort()).toEqual(samples.map(id).sort());
    // Two processes (the machine has two cores), each scoring half of the messages.
    const messages = samples.map((s) => ({ id: id(s), raw: received.get(id(s)) ?? Buffer.alloc(0) }));
    const half = Math.ceil(messages.length / 2);
    const verdicts = (await Promise.all([spamassassin(messages.slice(0, half), "a"), spamassassin(messages.slice(half), "b")])).flat();
    verdicts.sort((a, b) => messages.findIndex((m) => m.id === a.id) - messages.findIndex((m) => m.id === b.id));
    for (const v of verdicts) console.log(`spamassassin ${v.score.toFixed(1).padStart(4)}  ${v.id.padEnd(24)} ${v.tests.join(",")}`);
    const over = verdicts.filter((v) => v.score >= LIMIT).map((v) => `${v.id}: ${v.score} (${v.tests.join(", ")})`);
    expect(over).toEqual([]);
  }, 120_000);
});

import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql, UpdateQueryNode } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { enqueueMail, type NewMail } from "../../db/queries/outbox";
import { SmtpSink } from "../../tests/setup/smtp-sink";
import { getDb } from "../../tests/setup/vitest-db";
import { describeSendError } from "../../emails/transport.server";
import { env, parseEnv, setEnv } from "../utils/env.server";
import { alreadySignedEmail, confirmEmail } from "../../emails/signing";
import { storedMailText } from "../../emails/stored";
import { seal, sealedKeyId } from "./data-key.server";
import { createOutboxProcessor, devMailboxEnabled, keptMail, keptMails, openMail, retryDelayMs, startOutboxWorker, type OutboxWorker } from "./outbox.server";
import { readFileBuffer } from "./storage.server";

let dataDir: string;
let sink: SmtpSink;
let workers: OutboxWorker[] = [];

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-outbox-"));
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir, SMTP_URL: "" }));
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await getDb().deleteFrom("outbox").execute();
  sink = new SmtpSink();
  await sink.start();
});

afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await sink.stop();
});

/** A mail queued with its bodies (not a template). */
type RenderedMail = Extract<NewMail, { subject: string }>;

const letter = (i: number, overrides: Partial<RenderedMail> = {}): RenderedMail => ({
  kind: "test",
  to: `person${i}@example.org`,
  subject: `Mail ${i}`,
  html: `<p>Hello ${i}</p>`,
  text: `Hello ${i}`,
  ...overrides,
});

/** Every outbox row as PostgreSQL prints it: what a copy of the database would show. */
async function outboxAsText(): Promise<string> {
  const rows = await sql<{ row: string }>`select o::text as row from outbox o`.execute(getDb());
  return rows.rows.map((r) => r.row).join("\n");
}

/** One batch of a processor sending to the sink, its clock a second ahead (every queued mail is due). */
async function oneBatch() {
  const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(Date.now() + 1_000) });
  try {
    return await processor.processBatch();
  } finally {
    processor.close();
  }
}

/** As services do: the mail is written in the transaction of the change that causes it. */
async function enqueue(mails: NewMail[]): Promise<number[]> {
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const ids: number[] = [];
      for (const mail of mails) ids.push(await enqueueMail(trx, mail));
      return ids;
    });
}

const many = (n: number) => Array.from({ length: n }, (_, i) => letter(i));

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function countWhere(status: "pending" | "sent" | "failed" | "kept"): Promise<number> {
  const row = await getDb()
    .selectFrom("outbox")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "=", status)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const allSent = (n: number) => async () => (await countWhere("sent")) === n;

function expectEachOnce(subjects: string[]) {
  const counts = new Map<string, number>();
  for (const s of sink.messages.map((m) => m.subject)) counts.set(s, (counts.get(s) ?? 0) + 1);
  expect(sink.messages).toHaveLength(subjects.length);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
  expect(new Set(counts.keys())).toEqual(new Set(subjects));
}

/** A clock that runs with real time and can be pushed forward. */
function skewedClock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => void (offset += ms) };
}

function start(options: Parameters<typeof startOutboxWorker>[0]) {
  const worker = startOutboxWorker({ idleMs: 20, smtpUrl: sink.url, ...options });
  workers.push(worker);
  return worker;
}

describe("retryDelayMs", () => {
  it("grows exponentially from about a second and never exceeds 60 s, jitter included", () => {
    expect(retryDelayMs(1, () => 0)).toBe(500);
    expect(retryDelayMs(1, () => 0.999999)).toBeLessThanOrEqual(1_000);
    for (const r of [0, 0.3, 0.999999]) {
      let previous = 0;
      for (let attempt = 1; attempt <= 200; attempt++) {
        const delay = retryDelayMs(attempt, () => r);
        expect(delay).toBeGreaterThanOrEqual(previous);
        expect(delay).toBeLessThanOrEqual(60_000);
        previous = delay;
      }
      expect(previous).toBeGreaterThanOrEqual(30_000);
    }
    expect(retryDelayMs(1e9, () => 1)).toBe(60_000);
  });

  it("spreads retries of the same attempt (jitter)", () => {
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(5)));
    expect(delays.size).toBeGreaterThan(1);
  });
});

describe("describeSendError", () => {
  it("never keeps an e-mail address", () => {
    const error = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 5.1.1 <Jane.Doe@Example.org>: unknown user, cc other@x.kz"), {
      code: "EENVELOPE",
      responseCode: 550,
    });
    const line = describeSendError(error, ["jane.doe@example.org"]);
    expect(line).toContain("550");
    expect(line).not.toMatch(/@/);
  });
});

describe("outbox worker", () => {
  it("delivers every enqueued mail exactly once, with its subject, parts, headers and attachments", async () => {
    await fs.mkdir(path.join(dataDir, "files", "letters"), { recursive: true });
    const pdf = Buffer.from("%PDF-1.7 fake letter bytes");
    await fs.writeFile(path.join(dataDir, "files", "letters", "l1.pdf"), pdf);
    const note = Buffer.from("Қолтаңбалар тізімі\n".repeat(20));
    await fs.writeFile(path.join(dataDir, "files", "letters", "l2.txt"), note);
    const longLine = `Ваш голос важен. ${"Долгая строка без переносов. ".repeat(8)}`;
    const [id] = await enqueue([
      letter(1, {
        kind: "signature.confirm",
        to: "signer@example.org",
        subject: "Подтвердите подпись — Қолыңызды растаңыз",
        html: '<p>Confirm: <a href="https://appeals.localhost/s/confirm/abc">confirm</a></p>',
        text: `Confirm: https://appeals.localhost/s/confirm/abc\n\n${longLine}\n.\n`,
        headers: {
          "List-Unsubscribe": "<https://appeals.localhost/u/tok>",
          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        attachments: [
          { filename: "letter.pdf", storageKey: "letters/l1.pdf", contentType: "application/pdf" },
          { filename: "Письмо акиму.txt", storageKey: "letters/l2.txt", contentType: "text/plain" },
        ],
      }),
    ]);
    const others = await enqueue(Array.from({ length: 49 }, (_, i) => letter(i + 2)));
    start({ from: "Обращения <no-reply@appeals.localhost>" });

    await waitUntil(allSent(50));
    expectEachOnce(["Подтвердите подпись — Қолыңызды растаңыз", ...others.map((_, i) => `Mail ${i + 2}`)]);
    const got = sink.to("signer@example.org")[0];
    expect(got.to).toEqual(["signer@example.org"]);
    expect(got.from).toMatch(/^"?Обращения"? <no-reply@appeals\.localhost>$/);
    expect(got.html).toContain('href="https://appeals.localhost/s/confirm/abc"');
    expect(got.text).toBe(`Confirm: https://appeals.localhost/s/confirm/abc\n\n${longLine}\n.\n`);
    expect(got.headers["list-unsubscribe"]).toBe("<https://appeals.localhost/u/tok>");
    expect(got.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
    expect(got.headers["message-id"]).toMatch(new RegExp(`^<outbox\\.${id}\\.\\d+@appeals\\.localhost>$`));
    expect(got.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ["letter.pdf", "application/pdf"],
      ["Письмо акиму.txt", "text/plain"],
    ]);
    expect(got.attachments[0].content.equals(pdf)).toBe(true);
    expect(got.attachments[1].content.equals(note)).toBe(true);

    const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.status).toBe("sent");
    expect(row.attempts).toBe(1);
    expect(row.sent_at).toBeInstanceOf(Date);
  });

  it("marks sent mails together, at most one per lane: 150 mails take a fraction of one statement each, and each is marked and erased", async () => {
    const ids = await enqueue(Array.from({ length: 150 }, (_, i) => letter(i)));
    let marks = 0;
    // Counts the UPDATEs of outbox that are not the claim (the claim is a WITH … UPDATE).
    const counting = getDb().withPlugin({
      transformQuery: ({ node }) => {
        if (UpdateQueryNode.is(node) && !node.with) marks++;
        return node;
      },
      transformResult: async ({ result }) => result,
    });
    const processor = createOutboxProcessor({ db: counting, smtpUrl: sink.url, now: () => new Date(Date.now() + 1_000) });
    try {
      expect(await processor.processBatch()).toMatchObject({ claimed: 150, sent: 150 });
    } finally {
      processor.close();
    }
    expect(sink.received).toBe(150);
    // At most one row per lane (2 × 8 SMTP connections) in a group: no more unmarked sends than before.
    expect(marks).toBeGreaterThanOrEqual(Math.ceil(150 / 16));
    expect(marks).toBeLessThanOrEqual(50);
    const rows = await getDb().selectFrom("outbox").select(["status", "to_address", "subject", "sent_at"]).where("id", "in", ids).execute();
    expect(rows.filter((r) => r.status === "sent" && r.to_address === "" && r.subject === "" && r.sent_at)).toHaveLength(150);
  });

  it("keeps every mail while SMTP is down and delivers each exactly once when it is back", async () => {
    const port = sink.port;
    await sink.stop();
    await enqueue(many(40));
    const clock = skewedClock();
    start({ smtpUrl: `smtp://127.0.0.1:${port}`, now: clock.now, batchSize: 15 });

    // Every mail tried and failed (connection refused), then once more after the backoff.
    const triedAtLeast = (n: number) => async () => (await getDb().selectFrom("outbox").select("id").where("attempts", "<", n).execute()).length === 0;
    await waitUntil(triedAtLeast(1));
    clock.advance(61_000);
    await waitUntil(triedAtLeast(2));
    expect(await countWhere("pending")).toBe(40);
    const row = await getDb().selectFrom("outbox").select("last_error").executeTakeFirstOrThrow();
    expect(row.last_error).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);

    await sink.start(port);
    clock.advance(61_000);
    await waitUntil(allSent(40));
    await new Promise((r) => setTimeout(r, 200));
    expectEachOnce(many(40).map((m) => m.subject));
  });

  it("retries a temporary 451 rejection with growing delays, then delivers it once", async () => {
    sink.rejectWith = { code: 451, message: "Greylisted, try again later" };
    const [id] = await enqueue([letter(1)]);
    let t = Date.now() + 1_000;
    const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(t), random: () => 0.5 });
    try {
      const delays: number[] = [];
      for (let i = 0; i < 6; i++) {
        expect((await processor.processBatch()).retried).toBe(1);
        const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
        expect(row.status).toBe("pending");
        expect(row.last_error).toContain("451");
        const delay = row.next_attempt_at.getTime() - t;
        delays.push(delay);
        // Not due before its delay...
        t += delay - 1;
        expect((await processor.processBatch()).claimed).toBe(0);
        t += 1;
      }
      expect(delays).toEqual([750, 1_500, 3_000, 6_000, 12_000, 24_000]);
      expect(sink.messages).toHaveLength(0);

      sink.rejectWith = null;
      expect((await processor.processBatch()).sent).toBe(1);
      expectEachOnce(["Mail 1"]);
      const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: "sent", attempts: 7 });
    } finally {
      processor.close();
    }
  });

  it("records a permanent 550 rejection as failed, without the address, and never retries it", async () => {
    sink.rejectWith = { code: 550, message: "No such user here: Nobody@Example.org" };
    const [id] = await enqueue([letter(1, { to: "nobody@example.org" })]);
    let t = Date.now() + 1_000;
    const logs: string[] = [];
    const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(t), log: (l) => logs.push(l) });
    try {
      expect((await processor.processBatch()).failed).toBe(1);
      const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      expect(row.status).toBe("failed");
      expect(row.attempts).toBe(1);
      expect(row.last_error).toContain("550");
      expect(row.last_error).not.toMatch(/nobody|@/i);
      expect(logs.join("\n")).not.toMatch(/nobody|@example/i);

      sink.rejectWith = null;
      t += 3_600_000;
      expect((await processor.processBatch()).claimed).toBe(0);
      expect(sink.messages).toHaveLength(0);
    } finally {
      processor.close();
    }
  });

  it("fails a mail that cannot be composed (a bad header name) without retrying it", async () => {
    const [id] = await enqueue([letter(1, { headers: { "Bad Header:": "x" } })]);
    // A second ahead: the row's next_attempt_at has microseconds, a JS Date only milliseconds.
    const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(Date.now() + 1_000) });
    try {
      expect((await processor.processBatch()).failed).toBe(1);
      const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: "failed", last_error: "invalid header name: Bad Header:" });
    } finally {
      processor.close();
    }
  });

  it("reads attachments only from the files folder (through the storage module, its default reader)", async () => {
    await expect(readFileBuffer("../outside.txt")).rejects.toThrow("invalid storage key");
    await expect(readFileBuffer("missing/file.pdf")).rejects.toThrow(/ENOENT/);
  });

  it("gives a mail up as failed after maxAttempts temporary failures", async () => {
    sink.rejectWith = { code: 451, message: "Try later" };
    const [id] = await enqueue([letter(1)]);
    let t = Date.now() + 1_000;
    const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(t), maxAttempts: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        await processor.processBatch();
        t += 61_000;
      }
      const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: "failed", attempts: 3 });
      expect(row.last_error).toMatch(/^gave up after 3 attempts: .*451/);
    } finally {
      processor.close();
    }
  });

  it("lets two workers share the outbox: each mail is delivered once", async () => {
    await enqueue(many(600));
    const sentBy = [0, 0];
    for (const i of [0, 1]) start({ batchSize: 50, onBatch: (r) => void (sentBy[i] += r.sent) });
    await waitUntil(allSent(600));
    await new Promise((r) => setTimeout(r, 200));
    expectEachOnce(many(600).map((m) => m.subject));
    expect(sentBy[0] + sentBy[1]).toBe(600);
    expect(sentBy[0]).toBeGreaterThan(0);
    expect(sentBy[1]).toBeGreaterThan(0);
  });

  it("finishes its in-flight batch when stopped and leaves no mail half-claimed", async () => {
    await enqueue(many(1_000));
    const worker = start({ batchSize: 200 });
    await waitUntil(async () => sink.messages.length > 0);
    await worker.stop();
    const sent = await countWhere("sent");
    expect(sent).toBeGreaterThan(0);
    expect(sink.messages).toHaveLength(sent);
    const leftClaimed = await getDb().selectFrom("outbox").select("id").where("status", "=", "pending").where("attempts", ">", 0).execute();
    expect(leftClaimed).toHaveLength(0);
  });

  it("without SMTP keeps the mails for the dev mailbox instead of sending them", async () => {
    const ids = await enqueue(many(3));
    start({ smtpUrl: null });
    await waitUntil(async () => (await countWhere("kept")) === 3);
    expect(sink.messages).toHaveLength(0);

    const list = await keptMails();
    expect(list.map((m) => m.id)).toEqual([...ids].reverse());
    expect(list[0]).toMatchObject({ kind: "test", to_address: "person2@example.org", subject: "Mail 2" });
    expect((await keptMails({ before: ids[2] })).map((m) => m.id)).toEqual([ids[1], ids[0]]);
    expect((await keptMail(ids[0]))?.text).toBe("Hello 0");

    // A mail that was sent is not in the mailbox.
    await sql`update outbox set status = 'sent' where id = ${ids[0]}`.execute(getDb());
    expect(await keptMail(ids[0])).toBeUndefined();
  });

  it("shows the dev mailbox only outside production", () => {
    const saved = env();
    try {
      expect(devMailboxEnabled()).toBe(true);
      setEnv(parseEnv({ ...process.env, NODE_ENV: "production", SESSION_SECRET: "s".repeat(40), SIGNING_KEY_SECRET: "k".repeat(40) }));
      expect(devMailboxEnabled()).toBe(false);
    } finally {
      setEnv(saved);
    }
  });
});

describe("a paced outbox", () => {
  it("sends no more than the rate it is given, in batches of half a second of it, and catches up at full speed once the rate is lifted", async () => {
    await enqueue(Array.from({ length: 60 }, (_, i) => letter(i)));
    let rate: number | null = 20;
    const claimed: number[] = [];
    const started = Date.now();
    start({ batchSize: 200, pace: () => rate, onBatch: (r) => claimed.push(r.claimed) });
    await new Promise((r) => setTimeout(r, 1_200));
    // 20 a second in batches of 10, each half a second after the last began: 30 at most by 1.2 s.
    const early = sink.messages.length;
    expect(early).toBeGreaterThanOrEqual(10);
    expect(early).toBeLessThanOrEqual(Math.ceil(((Date.now() - started) / 1000) * 20) + 10);
    expect(claimed.every((n) => n <= 10)).toBe(true);
    rate = null;
    await waitUntil(async () => (await countWhere("sent")) === 60);
    // Unpaced, the rest went as one batch.
    expect(claimed.some((n) => n > 10)).toBe(true);
    expect(new Set(sink.messages.map((m) => m.subject)).size).toBe(60);
  }, 60_000);
});

describe("outbox priority", () => {
  it("sends a confirmation queued after 2,000 updates and 250 sign-in mails in the first batch, then the sign-in mails, then the updates", async () => {
    await enqueue(Array.from({ length: 2_000 }, (_, i) => letter(i, { kind: "update", subject: `Update ${i}` })));
    await enqueue(Array.from({ length: 250 }, (_, i) => letter(10_000 + i, { kind: "login", subject: `Sign in ${i}` })));
    await enqueue([letter(99_999, { kind: "signature_confirm", to: "signer@example.org", subject: "Confirm your signature" })]);
    const processor = createOutboxProcessor({ smtpUrl: sink.url, batchSize: 200, now: () => new Date(Date.now() + 1_000) });
    try {
      expect((await processor.processBatch()).sent).toBe(200);
      // Counted at the SMTP sink: the confirmation arrived with the first batch.
      expect(sink.to("signer@example.org").map((m) => m.subject)).toEqual(["Confirm your signature"]);
      expect(sink.messages.filter((m) => m.subject.startsWith("Update"))).toHaveLength(0);
      expect((await processor.processBatch()).sent).toBe(200);
      // The sign-in mails all went before any update.
      expect(sink.messages.slice(0, 251).every((m) => !m.subject.startsWith("Update"))).toBe(true);
      expect(sink.messages.filter((m) => m.subject.startsWith("Sign in"))).toHaveLength(250);
    } finally {
      processor.close();
    }
  }, 60_000);

  it("a confirmation queued while a worker drains a flood of sign-in mails goes out within the next batch", async () => {
    await enqueue(Array.from({ length: 1_500 }, (_, i) => letter(i, { kind: "login", subject: `Sign in ${i}` })));
    let batches = 0;
    let queuedAfter = -1;
    const claimed: number[] = [];
    start({
      batchSize: 100,
      onBatch: (r) => {
        claimed.push(r.claimed);
        batches++;
        if (batches === 2)
          void enqueue([letter(99_999, { kind: "signature_confirm", to: "signer@example.org", subject: "Confirm your signature" })]).then(
            () => (queuedAfter = sink.messages.length),
          );
      },
    });
    await waitUntil(async () => sink.to("signer@example.org").length === 1, 30_000);
    const position = sink.messages.findIndex((m) => m.subject === "Confirm your signature");
    expect(queuedAfter).toBeGreaterThan(0);
    // At most the batch in flight when it was queued, and the one after, went before it.
    expect(position - queuedAfter).toBeLessThanOrEqual(200);
    expect(position).toBeLessThan(1_000);
    // A claim never takes more than a batch (which would let a flood run ahead of the order).
    expect(Math.max(...claimed)).toBeLessThanOrEqual(100);
  }, 60_000);
});

describe("a mail that has left keeps no address and no link", () => {
  const SECRET_LINK = "https://appeals.localhost/s/withdraw/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  const UNSUBSCRIBE = "https://appeals.localhost/s/unsubscribe/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

  /** Every column of every outbox row, as text (what a dump of the table would show). */
  it("after sending: kind, times, status and attempts stay; address, subject, bodies, headers and attachments are gone", async () => {
    const [id] = await enqueue([
      letter(1, {
        kind: "signature_confirm",
        to: "jane.doe@example.org",
        subject: "Jane Doe, confirm your signature",
        html: `<p>Dear Jane Doe, <a href="${SECRET_LINK}">withdraw</a></p>`,
        text: `Dear Jane Doe, withdraw: ${SECRET_LINK}`,
        headers: { "List-Unsubscribe": `<${UNSUBSCRIBE}>` },
      }),
    ]);
    expect((await oneBatch()).sent).toBe(1);
    // The mail as received still carries everything.
    const got = sink.to("jane.doe@example.org")[0];
    expect(got.text).toContain(SECRET_LINK);
    expect(got.headers["list-unsubscribe"]).toBe(`<${UNSUBSCRIBE}>`);
    expect(got.headers["message-id"]).toMatch(new RegExp(`^<outbox\\.${id}\\.\\d+@`));

    const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      kind: "signature_confirm",
      status: "sent",
      attempts: 1,
      to_address: "",
      subject: "",
      html: "",
      text: "",
      headers: {},
      attachments: [],
    });
    expect(row.sent_at).toBeInstanceOf(Date);
    const dump = await outboxAsText();
    for (const secret of ["jane.doe@example.org", "Jane Doe", "AAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBB", "@"]) expect(dump).not.toContain(secret);
  });

  it("after a permanent failure too; a mail waiting for a retry keeps what it needs to be sent", async () => {
    sink.rejectWith = { code: 550, message: "No such user" };
    const [failed] = await enqueue([letter(1, { to: "gone@example.org", text: `Withdraw: ${SECRET_LINK}` })]);
    const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(Date.now() + 1_000) });
    try {
      expect((await processor.processBatch()).failed).toBe(1);
      sink.rejectWith = { code: 451, message: "Try later" };
      const [waiting] = await enqueue([letter(2, { to: "later@example.org", text: `Withdraw: ${SECRET_LINK}` })]);
      expect((await processor.processBatch()).retried).toBe(1);
      const rows = await getDb().selectFrom("outbox").selectAll().orderBy("id").execute();
      expect(rows.find((r) => r.id === failed)).toMatchObject({ status: "failed", to_address: "", text: "", html: "", subject: "" });
      const kept = rows.find((r) => r.id === waiting)!;
      expect(openMail(kept)).toMatchObject({ status: "pending", to_address: "later@example.org", text: `Withdraw: ${SECRET_LINK}` });
      // …sealed at rest (below).
      expect(sealedKeyId(kept.to_address)).not.toBeNull();
      const dump = await outboxAsText();
      for (const secret of ["gone@example.org", "later@example.org", "AAAAAAAAAAAAAAAA"]) expect(dump).not.toContain(secret);
    } finally {
      processor.close();
    }
  });
});

describe("a queued mail at rest", () => {
  const LINK = "https://appeals.localhost/s/confirm/CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";

  it("is stored sealed (address, subject, bodies) and the worker sends it as it was written", async () => {
    const [id] = await enqueue([
      letter(1, {
        kind: "signature_confirm",
        to: "Aigerim.Seitkali@example.org",
        subject: "Айгерім, растаңыз: Free the journalists",
        html: `<p>Айгерім, <a href="${LINK}">confirm</a></p>`,
        text: `Айгерім, confirm: ${LINK}`,
      }),
    ]);
    const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id!).executeTakeFirstOrThrow();
    for (const column of ["to_address", "subject", "html", "text"] as const) expect(sealedKeyId(row[column]), column).not.toBeNull();
    const dump = await outboxAsText();
    for (const secret of ["Aigerim", "aigerim", "example.org", "Айгерім", "Free the journalists", "CCCCCCCCCCCC"]) expect(dump).not.toContain(secret);

    expect((await oneBatch()).sent).toBe(1);
    const [got] = sink.to("aigerim.seitkali@example.org");
    expect(got?.subject).toBe("Айгерім, растаңыз: Free the journalists");
    expect(got?.text).toContain(`Айгерім, confirm: ${LINK}`);
  });

  it("a mail that cannot be opened (sealed under a key this process lacks) is retried, not sent, and its error names no address", async () => {
    const foreign = "s1:0badc0de:" + "A".repeat(60);
    const [id] = await enqueue([letter(1)]);
    await getDb().updateTable("outbox").set({ to_address: foreign }).where("id", "=", id!).execute();
    const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(Date.now() + 1_000) });
    try {
      expect(await processor.processBatch()).toMatchObject({ sent: 0, retried: 1 });
    } finally {
      processor.close();
    }
    expect(sink.messages).toHaveLength(0);
    const row = await getDb().selectFrom("outbox").select(["status", "last_error"]).where("id", "=", id!).executeTakeFirstOrThrow();
    expect(row.status).toBe("pending");
    expect(row.last_error).toContain("0badc0de");
    expect(row.last_error).not.toContain("@");
  });

  it("a failure is redacted with the opened address: a relay's echo of it leaves no part of it in the error", async () => {
    // An apostrophe ends the generic address pattern, so only the known (opened) address hides "jane'".
    const address = "jane'doe@example.org";
    sink.rejectWith = { code: 550, message: `No such user here: ${address}` };
    const [id] = await enqueue([letter(1, { to: address })]);
    const lines: string[] = [];
    const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(Date.now() + 1_000), log: (line) => lines.push(line) });
    try {
      expect((await processor.processBatch()).failed).toBe(1);
    } finally {
      processor.close();
    }
    const row = await getDb().selectFrom("outbox").select("last_error").where("id", "=", id!).executeTakeFirstOrThrow();
    expect(row.last_error).toContain("No such user here: [email]");
    for (const text of [row.last_error ?? "", ...lines]) expect(text).not.toContain("jane");
  });

  it("a mail queued as its template and values is stored sealed with empty bodies, sent as rendering it at once would have, and erased once sent", async () => {
    const values = {
      name: "Айгерім",
      title: "Free the journalists",
      days: 7,
      confirmUrl: LINK,
      rejectUrl: `${LINK}R`,
      withdrawUrl: `${LINK}W`,
      neutral: false,
    };
    const [id] = await enqueue([
      { kind: "signature_confirm", to: "Aigerim.Seitkali@example.org", template: storedMailText({ template: "signature_confirm", lang: "kk", values }) },
    ]);
    const row = await getDb().selectFrom("outbox").selectAll().where("id", "=", id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ subject: "", html: "", text: "" });
    for (const column of ["to_address", "template"] as const) expect(sealedKeyId(row[column]), column).not.toBeNull();
    for (const secret of ["Aigerim", "Айгерім", "Free the journalists", "CCCCCCCCCCCC"]) expect(await outboxAsText()).not.toContain(secret);
    const expected = confirmEmail("kk", values);
    expect(openMail(row)).toMatchObject({ ...expected, template: "" });

    expect((await oneBatch()).sent).toBe(1);
    const [got] = sink.to("aigerim.seitkali@example.org");
    expect(got?.subject).toBe(expected.subject);
    expect(got?.text?.trim()).toBe(expected.text.trim());
    expect(await getDb().selectFrom("outbox").select(["status", "template"]).where("id", "=", id!).executeTakeFirstOrThrow()).toEqual({
      status: "sent",
      template: "",
    });
  });

  it("a stored template that is not one (altered, unknown) is not sent: the row is retried and fails alone", async () => {
    const [bad, good] = await enqueue([
      {
        kind: "signature_confirm",
        to: "one@example.org",
        template: storedMailText({ template: "signature_already", lang: "en", values: { title: "T", withdrawUrl: LINK, neutral: false } }),
      },
      letter(2),
    ]);
    await getDb()
      .updateTable("outbox")
      .set({ template: seal(JSON.stringify({ template: "nope", lang: "en", values: {} }), "mail") })
      .where("id", "=", bad!)
      .execute();
    expect(await oneBatch()).toMatchObject({ sent: 1, retried: 1 });
    expect(sink.to("one@example.org")).toHaveLength(0);
    // The error names the problem, not the stored values (they hold live links).
    const { last_error } = await getDb().selectFrom("outbox").select("last_error").where("id", "=", bad!).executeTakeFirstOrThrow();
    expect(last_error).toContain("not a known template");
    expect(last_error).not.toContain("nope");
    expect((await getDb().selectFrom("outbox").select("status").where("id", "=", good!).executeTakeFirstOrThrow()).status).toBe("sent");
  });

  it("the dev mailbox shows kept mails opened", async () => {
    const [id] = await enqueue([letter(7, { subject: "Подтвердите подпись", text: "Здравствуйте" })]);
    start({ smtpUrl: null });
    await waitUntil(async () => (await countWhere("kept")) === 1);
    expect((await keptMails())[0]).toMatchObject({ id, to_address: "person7@example.org", subject: "Подтвердите подпись" });
    expect(await keptMail(id!)).toMatchObject({
      to_address: "person7@example.org",
      subject: "Подтвердите подпись",
      text: "Здравствуйте",
      html: "<p>Hello 7</p>",
    });
  });

  it("the dev mailbox shows a mail queued as a template rendered: its subject in the list, its bodies when opened", async () => {
    const values = { title: "Ашық хат", withdrawUrl: LINK, neutral: false };
    const [id] = await enqueue([
      { kind: "signature_already", to: "seven@example.org", template: storedMailText({ template: "signature_already", lang: "kk", values }) },
    ]);
    start({ smtpUrl: null });
    await waitUntil(async () => (await countWhere("kept")) === 1);
    const expected = alreadySignedEmail("kk", values);
    expect((await keptMails())[0]).toEqual({
      id,
      created_at: expect.any(Date),
      kind: "signature_already",
      to_address: "seven@example.org",
      subject: expected.subject,
    });
    expect(await keptMail(id!)).toMatchObject({ to_address: "seven@example.org", ...expected });
  });
});

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../tests/setup/vitest-db";
import { SmtpSink } from "../tests/setup/smtp-sink";
import { parseEnv, setEnv } from "../app/utils/env.server";
import { enqueueMail } from "../db/queries/outbox";
import { BUSY_MAIL_RATE } from "../app/services/outbox.server";
import { startSinkProcess } from "../scripts/lib/sink-process";
import { startOutboxThread } from "./outbox-thread";

/**
 * `npm start` sends the outbox from a worker thread of its own (issue 16: the thread answering
 * requests keeps its CPU). The thread opens what the main thread sealed, sends through a real
 * SMTP server, and stop() lets it finish and close before resolving.
 */
let dataDir: string;
let sink: SmtpSink;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-outbox-thread-"));
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir }));
  sink = new SmtpSink();
  await sink.start();
});

afterAll(async () => {
  await sink.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const enqueue = (n: number, prefix: string) =>
  getDb()
    .transaction()
    .execute(async (trx) => {
      for (let i = 0; i < n; i++)
        await enqueueMail(trx, { kind: "test", to: `${prefix}${i}@example.org`, subject: `${prefix} ${i}`, html: `<p>Сәлем ${i}</p>`, text: `Сәлем ${i}` });
    });

const pending = async () =>
  Number(
    (
      await getDb()
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("the outbox thread", () => {
  it("sends what the app queued, each mail once, and stops cleanly", async () => {
    const lines: string[] = [];
    await enqueue(30, "thread");
    const stop = startOutboxThread({ smtpUrl: sink.url, from: "Appeals <no-reply@appeals.localhost>", log: (line) => lines.push(line) });
    const deadline = Date.now() + 60_000;
    while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await stop();
    expect(await pending()).toBe(0);
    expect(sink.messages.map((m) => m.subject).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `thread ${i}`).sort());
    expect(sink.messages[0]?.text).toContain("Сәлем");
    expect(lines).toEqual([]);

    // Stopped: nothing more leaves.
    await enqueue(1, "after");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await pending()).toBe(1);
    expect(sink.messages).toHaveLength(30);
  }, 90_000);

  it("slows to its busy rate while the thread that answers requests is busy, and catches up once it is not", async () => {
    // The relay in a process of its own: this thread is kept busy below, and a relay sharing it would slow the mail by itself.
    const relay = await startSinkProcess();
    const stop = startOutboxThread({ smtpUrl: relay.url, from: "Appeals <no-reply@appeals.localhost>", log: () => undefined });
    try {
      // The thread is up (one mail through it), and whatever an earlier test left queued is gone.
      await enqueue(1, "warm");
      const idle = Date.now() + 30_000;
      while ((await pending()) > 0 && Date.now() < idle) await new Promise((r) => setTimeout(r, 100));
      const before = await relay.received();
      // Busy as under a surge of signers: 45 ms of work in every 50, until told to stop.
      let spinning = true;
      const busy = (async () => {
        while (spinning) {
          const slice = Date.now() + 45;
          while (Date.now() < slice) {
            /* busy */
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      // Queued once the outbox has been told (the load is checked every 500 ms).
      await new Promise((r) => setTimeout(r, 1_000));
      await enqueue(300, "busy");
      const queuedAt = Date.now();
      await new Promise((r) => setTimeout(r, 2_000));
      const duringBusy = (await relay.received()) - before;
      const seconds = (Date.now() - queuedAt) / 1000;
      spinning = false;
      await busy;
      // At its rate, half a second's batch ahead; unpaced, the 300 take well under a second.
      expect(duringBusy).toBeLessThanOrEqual(Math.ceil(seconds * BUSY_MAIL_RATE) + BUSY_MAIL_RATE);
      expect(duringBusy).toBeGreaterThan(0);
      const deadline = Date.now() + 60_000;
      while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await pending()).toBe(0);
      expect(await relay.received()).toBe(before + 300);
    } finally {
      await stop();
      await relay.stop();
    }
  }, 90_000);
});

import { getDb, type DB } from "../../db/client";
import { claimDueMails, findKeptMail, keepDueMails, listKeptMails, markMailFailed, markMailRetry, markMailsSent, releaseMails } from "../../db/queries/outbox";
import type { OutboxRow } from "../../db/schema";
import { renderStoredMail } from "../../emails/stored";
import {
  createMailTransport,
  describeSendError,
  isPermanentSmtpError,
  redactAddresses,
  senderDomain,
  type MailTransport,
  type OutgoingMail,
} from "../../emails/transport.server";
import { env } from "../utils/env.server";
import { open } from "./data-key.server";
import { readFileBuffer } from "./storage.server";

/*
 * The outbox worker. Services write e-mails to `outbox` in the transaction of the change that
 * causes them (enqueueMail); this worker delivers them:
 *  - claims due rows in batches with FOR UPDATE SKIP LOCKED, leasing them (several workers
 *    may run at once; none sends a row another one holds), most urgent kind first: a signer's
 *    confirmation, then sign-in mails and other answers, then updates and letters (a flood of
 *    one kind delays a confirmation by one batch at most);
 *  - sends a batch in parallel over a pool of SMTP connections (2 lanes per connection) and
 *    marks the rows 'sent' as the server accepts them, together: one statement (one commit)
 *    for the rows the lanes have had accepted within MARK_WAIT_MS, instead of one per mail,
 *    which cost PostgreSQL about a third of what the signature that queued the mail did
 *    (bench:sign, issue 16). A lane waits for its row's mark before it takes the next, so a
 *    crash can only repeat the mails of that window: at most one per lane, as before;
 *    the same statement erases their address, subject, bodies (with their links), headers
 *    and attachment references: a sent mail keeps only its record of delivery;
 *  - retries temporary failures with exponential backoff and jitter, at most 60 s apart;
 *    records permanent (5xx) rejections as 'failed' (erased the same way);
 *  - without SMTP (no SMTP_URL) marks rows 'kept': they show in /dev/mailbox.
 * Errors are stored and logged without e-mail addresses.
 * At rest the address, subject and bodies are sealed (db/queries/outbox.ts): the worker opens a
 * row before anything else (sending, redacting an error), and the dev mailbox opens what it shows.
 * A mail queued as a template is rendered when it is opened (in the outbox's thread, under npm start).
 */

/**
 * A row as stored, with its address, subject and bodies opened (a row written before sealing reads
 * as it is); a row queued as a template (emails/stored.ts) is rendered here, where it is sent.
 */
export function openMail<T extends Pick<OutboxRow, "to_address" | "subject"> & Partial<Pick<OutboxRow, "html" | "text" | "template">>>(row: T): T {
  const to_address = open(row.to_address, "email");
  if (row.template) return { ...row, to_address, ...renderStoredMail(open(row.template, "mail")), template: "" };
  return {
    ...row,
    to_address,
    subject: open(row.subject, "mail"),
    ...(row.html === undefined ? {} : { html: open(row.html, "mail") }),
    ...(row.text === undefined ? {} : { text: open(row.text, "mail") }),
  };
}

const RETRY_BASE_MS = 1_000;
export const RETRY_CAP_MS = 60_000;

/**
 * Delay before retry number `attempt` (1 = after the first failed try): exponential from 1 s,
 * "equal jitter" (between half and all of the step, so retries of many mails spread out yet
 * never shrink), never above `capMs`.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random, options: { baseMs?: number; capMs?: number } = {}): number {
  const base = options.baseMs ?? RETRY_BASE_MS;
  const cap = options.capMs ?? RETRY_CAP_MS;
  const step = Math.min(cap, base * 2 ** Math.max(0, Math.min(attempt, 64) - 1));
  return Math.round(step / 2 + (step / 2) * Math.min(Math.max(random(), 0), 1));
}

export interface OutboxWorkerOptions {
  /** Database handle; default getDb(). */
  db?: DB;
  /** SMTP relay; `undefined` reads SMTP_URL, `null` keeps mails instead of sending them. */
  smtpUrl?: string | null;
  /** From header; default MAIL_FROM. */
  from?: string;
  /** Rows claimed per batch (default 200). */
  batchSize?: number;
  /** Pause when the outbox had nothing more to do (default 400 ms). */
  idleMs?: number;
  /** Parallel SMTP connections (default 8). */
  maxConnections?: number;
  /** How long a claim holds its rows before another worker may take them (default 5 min). */
  leaseMs?: number;
  /** After this many tries a temporarily failing mail is given up as 'failed' (default 1,440 ≈ a day at the 60 s cap). */
  maxAttempts?: number;
  /** Clock and randomness, injectable for tests. */
  now?: () => Date;
  random?: () => number;
  /** Where attachments come from (default: file storage, readFileBuffer). */
  readFile?: (storageKey: string) => Promise<Buffer>;
  log?: (line: string) => void;
  /** Called after every batch (tests, the benchmark). */
  onBatch?: (result: BatchResult) => void;
  /**
   * Asked before every batch: the mails per second the outbox may send now, or null for as fast
   * as it can. Under `npm start` the outbox's thread answers BUSY_MAIL_RATE while the thread that
   * answers requests is busy (server/outbox-worker.ts); by default there is no limit.
   */
  pace?: () => number | null;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  kept: number;
  released: number;
}

export interface OutboxProcessor {
  /** Claims one batch of due mails (at most `limit`, default the batch size) and settles every one of them. */
  processBatch: (limit?: number) => Promise<BatchResult>;
  /** Closes the SMTP connections. */
  close: () => void;
}

const emptyResult = (): BatchResult => ({ claimed: 0, sent: 0, retried: 0, failed: 0, kept: 0, released: 0 });

/** Runs `task` over `items` with at most `limit` running at once. `task` must not throw. */
async function forEachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Retries a bookkeeping write: losing "sent" would mean sending the mail again when its lease
 * ends. Up to about a minute (200 ms doubling, at most 5 s apart), so that a database restart
 * during a batch costs no duplicate; the batch simply waits for the database to come back.
 */
async function persist(write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= 16) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
    }
  }
}

/** A group of sent rows waits at most this long for more before it is written. */
const MARK_WAIT_MS = 5;

/**
 * Collects ids to write together: a group is written once it has `size` ids or MARK_WAIT_MS
 * after its first. add() resolves when the id's group is written (or rejects with its error).
 */
function groupedWrites(write: (ids: number[]) => Promise<void>, size: number) {
  let group: { ids: number[]; resolve: () => void; reject: (error: unknown) => void; written: Promise<void> } | null = null;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const taken = group;
    group = null;
    if (taken) write(taken.ids).then(taken.resolve, taken.reject);
  };
  return {
    add(id: number): Promise<void> {
      if (!group) {
        let resolve!: () => void;
        let reject!: (error: unknown) => void;
        const written = new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        group = { ids: [], resolve, reject, written };
        timer = setTimeout(flush, MARK_WAIT_MS);
      }
      group.ids.push(id);
      const { written } = group;
      if (group.ids.length >= size) flush();
      return written;
    },
  };
}

/** One batch at a time, no loop: what the worker runs, and what tests drive step by step. */
export function createOutboxProcessor(options: OutboxWorkerOptions = {}): OutboxProcessor {
  const db = options.db ?? getDb();
  const smtpUrl = options.smtpUrl === undefined ? (env().SMTP_URL ?? null) : options.smtpUrl;
  const from = options.from ?? env().MAIL_FROM;
  const batchSize = options.batchSize ?? 200;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const maxAttempts = options.maxAttempts ?? 1_440;
  const maxConnections = options.maxConnections ?? 8;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const readFile = options.readFile ?? readFileBuffer;
  const log = options.log ?? (() => undefined);
  const domain = senderDomain(from);

  if (smtpUrl === null) {
    return {
      processBatch: async (limit = batchSize) => ({ ...emptyResult(), kept: await keepDueMails(db, { now: now(), limit }) }),
      close: () => undefined,
    };
  }

  const transport: MailTransport = createMailTransport({ url: smtpUrl, from, maxConnections });

  const toOutgoing = async (row: OutboxRow): Promise<OutgoingMail> => ({
    to: row.to_address,
    subject: row.subject,
    html: row.html,
    text: row.text,
    headers: row.headers,
    attachments: await Promise.all(
      row.attachments.map(async (a) => ({ filename: a.filename, contentType: a.contentType, content: await readFile(a.storageKey) })),
    ),
    messageId: `<outbox.${row.id}.${row.created_at.getTime()}@${domain}>`,
  });

  const settleFailure = async (row: OutboxRow, error: unknown, result: BatchResult) => {
    const message = describeSendError(error, [row.to_address]);
    if (isPermanentSmtpError(error) || row.attempts >= maxAttempts) {
      const reason = isPermanentSmtpError(error) ? message : `gave up after ${row.attempts} attempts: ${message}`;
      await persist(() => markMailFailed(db, row.id, reason));
      result.failed++;
      log(`outbox: mail #${row.id} (${row.kind}) failed: ${reason}`);
    } else {
      await persist(() => markMailRetry(db, row.id, new Date(now().getTime() + retryDelayMs(row.attempts, random)), message));
      result.retried++;
    }
  };

  const processBatch = async (limit = batchSize): Promise<BatchResult> => {
    const result = emptyResult();
    const claimedAt = now().getTime();
    // Sealed at rest; each row is opened where it is sent (openMail below), so one under an unknown key fails alone.
    const rows = await claimDueMails(db, { now: new Date(claimedAt), leaseUntil: new Date(claimedAt + leaseMs), limit });
    result.claimed = rows.length;
    // A send started late in the lease could outlive it while another worker takes the row:
    // rows not started by half the lease go back to the queue instead.
    const startBy = claimedAt + leaseMs / 2;
    const unstarted: number[] = [];
    // Sent rows are marked together, at most one per lane: a lane waits for its row's mark
    // before it takes the next row, so no more than `lanes` mails are ever sent-but-unmarked.
    const lanes = maxConnections * 2;
    const marks = groupedWrites((ids) => persist(() => markMailsSent(db, ids, now())), lanes);
    await forEachLimited(rows, lanes, async (row) => {
      if (now().getTime() > startBy) {
        unstarted.push(row.id);
        return;
      }
      let accepted = false;
      // Opened first: a failure is described and redacted with the plain address. A row that
      // cannot be opened (its key is not configured) fails like a temporary error, with no address in it.
      let mail = row;
      try {
        mail = openMail(row);
        await transport.send(await toOutgoing(mail));
        accepted = true;
        await marks.add(row.id);
        result.sent++;
      } catch (error) {
        if (accepted) {
          // The relay has the mail but the database would not record it: it stays leased
          // and is sent again when the lease ends. Nothing better can be done here.
          log(`outbox: mail #${row.id} sent but not marked: ${redactAddresses(String(error), [mail.to_address])}`);
          return;
        }
        try {
          await settleFailure(mail, error, result);
        } catch (dbError) {
          log(`outbox: could not record the failure of mail #${row.id}: ${redactAddresses(String(dbError), [mail.to_address])}`);
        }
      }
    });
    if (unstarted.length > 0) {
      await releaseMails(db, unstarted, now());
      result.released = unstarted.length;
    }
    return result;
  };

  return { processBatch, close: () => transport.close() };
}

export interface OutboxWorker {
  /** Stops polling, lets the in-flight batch finish, closes the SMTP connections. */
  stop: () => Promise<void>;
}

/**
 * Mails a second while the app is busy. A thread's nice value reaches only that thread: what a
 * mail costs elsewhere — its statements in PostgreSQL, the relay's side when it is on the same
 * machine — still took the cores from signers (bench:sign, issue 16). So while requests keep the
 * app busy, mail goes out at this rate, oldest first, and the queue is caught up once they ease.
 * Never zero: a confirmation is never held back for the whole of a surge.
 */
export const BUSY_MAIL_RATE = 50;

/** While paced, a batch holds about this much of the allowed rate, and the next one waits for its time. */
const PACED_BATCH_S = 0.5;

/**
 * Starts the polling loop: a full batch is followed at once by the next; otherwise the worker
 * sleeps `idleMs`. While `pace` gives a rate, batches are cut to half a second of it and spaced so
 * that no more than that rate is sent (oldest first, as always). Database errors are logged and
 * retried with backoff.
 */
export function startOutboxWorker(options: OutboxWorkerOptions = {}): OutboxWorker {
  const processor = createOutboxProcessor(options);
  const batchSize = options.batchSize ?? 200;
  const idleMs = options.idleMs ?? 400;
  const log = options.log ?? (() => undefined);
  let stopping = false;
  let wake: () => void = () => undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = async () => {
    let errors = 0;
    while (!stopping) {
      let full = false;
      let spacing = 0;
      try {
        const rate = options.pace?.() ?? null;
        const limit = rate === null ? batchSize : Math.max(1, Math.min(batchSize, Math.round(rate * PACED_BATCH_S)));
        const started = Date.now();
        const result = await processor.processBatch(limit);
        options.onBatch?.(result);
        full = result.claimed >= limit || result.kept >= limit;
        if (rate !== null) spacing = ((result.claimed + result.kept) / rate) * 1000 - (Date.now() - started);
      } catch (error) {
        // Logged once per outage (e.g. the database is down), then again on recovery.
        if (errors++ === 0) log(`outbox: ${redactAddresses(error instanceof Error ? error.message : String(error))}`);
        await sleep(Math.max(idleMs, retryDelayMs(errors, Math.random, { capMs: 10_000 })));
        continue;
      }
      if (errors > 0) {
        log("outbox: recovered");
        errors = 0;
      }
      if (!full && !stopping) await sleep(Math.max(idleMs, spacing));
      else if (spacing > 0 && !stopping) await sleep(spacing);
    }
    processor.close();
  };
  const running = loop();

  return {
    stop: async () => {
      stopping = true;
      wake();
      await running;
    },
  };
}

/** The dev mailbox (/dev/mailbox) exists only outside production. */
export function devMailboxEnabled(): boolean {
  return env().NODE_ENV !== "production";
}

export async function keptMails(options: { before?: number; limit?: number } = {}) {
  // A mail queued as a template is rendered to show its subject; the list shows no more than the summary.
  return (await listKeptMails(getDb(), { limit: options.limit ?? 100, before: options.before }))
    .map(openMail)
    .map(({ id, created_at, kind, to_address, subject }) => ({ id, created_at, kind, to_address, subject }));
}

export async function keptMail(id: number) {
  const row = await findKeptMail(getDb(), id);
  return row && openMail(row);
}

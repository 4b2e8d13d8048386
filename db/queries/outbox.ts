import { isOperationNodeSource, sql, type Insertable, type Kysely, type QueryCreator, type RawBuilder } from "kysely";
import { seal } from "../../app/services/data-key.server.js";
import type { Database, OutboxAttachment, OutboxRow, OutboxTable } from "../schema.js";

/**
 * What a mail says: rendered, or a template and its values (emails/stored.ts storedMailText, plain:
 * the writers here seal it), rendered where it is sent.
 */
export type MailContent = { subject: string; html: string; text: string; template?: undefined } | { template: string };

export type NewMail = {
  kind: string;
  to: string;
  headers?: Record<string, string>;
  attachments?: OutboxAttachment[];
} & MailContent;

/*
 * Every writer of the outbox fills its columns from here: enqueueMail (one mail, in the
 * caller's transaction), mailRow (rows for a bulk insert) and queueMailsFrom (the mails of a
 * statement that writes its change and its mails at once: signing, updates).
 *
 * At rest (issue 14) the address is sealed ("email") and the subject and bodies too ("mail": they
 * name the appeal and carry live links): callers pass them plain, the writers here seal them, the
 * worker (app/services/outbox.server.ts) opens them to send. A mail queued as a template
 * (emails/stored.ts) keeps its template and values sealed the same way, and empty bodies. An SQL
 * expression given to queueMailsFrom is stored as it is: `to` copied from signatures.email is
 * sealed already.
 */

/** The fields of a new mail, in column order, and the outbox column each goes to. */
const MAIL_FIELDS = ["kind", "to", "subject", "html", "text", "template", "headers", "attachments"] as const;
const MAIL_COLUMNS = {
  kind: "kind",
  to: "to_address",
  subject: "subject",
  html: "html",
  text: "text",
  template: "template",
  headers: "headers",
  attachments: "attachments",
} as const satisfies Record<(typeof MAIL_FIELDS)[number], keyof OutboxTable>;

/** The sealed content columns of a mail: its bodies, or its template with the bodies empty. */
function sealedContent(mail: MailContent) {
  if (mail.template !== undefined) return { subject: "", html: "", text: "", template: seal(mail.template, "mail") };
  return { subject: seal(mail.subject, "mail"), html: seal(mail.html, "mail"), text: seal(mail.text, "mail") };
}

/** A new mail as an outbox row. */
export function mailRow(mail: NewMail): Insertable<OutboxTable> {
  return {
    [MAIL_COLUMNS.kind]: mail.kind,
    [MAIL_COLUMNS.to]: seal(mail.to, "email"),
    ...sealedContent(mail),
    [MAIL_COLUMNS.headers]: JSON.stringify(mail.headers ?? {}),
    [MAIL_COLUMNS.attachments]: JSON.stringify(mail.attachments ?? []),
  };
}

/**
 * Puts an e-mail in the outbox. Call it with the transaction (`trx`) of the change that
 * causes the e-mail: both commit, or neither does.
 */
export async function enqueueMail(db: Kysely<Database>, mail: NewMail): Promise<number> {
  const row = await db.insertInto("outbox").values(mailRow(mail)).returning("id").executeTakeFirstOrThrow();
  return row.id;
}

/** A field of a mail queued by queueMailsFrom: a value, or an SQL expression over its FROM. */
type MailExpression<T> = T | RawBuilder<unknown>;

export type MailsFrom = {
  /** Always a constant of the code (it is written into the statement, not bound). */
  kind: string;
  to: MailExpression<string>;
  headers?: MailExpression<Record<string, string>>;
  attachments?: MailExpression<OutboxAttachment[]>;
} & (
  | { subject: MailExpression<string>; html: MailExpression<string>; text: MailExpression<string>; template?: undefined }
  | { template: MailExpression<string>; subject?: undefined; html?: undefined; text?: undefined }
);

/**
 * `INSERT INTO outbox (…) SELECT … FROM <from>`: one mail per row of `from`, for a statement
 * that queues its mails in a CTE (`o AS (<this>)`), so the change and its mails commit together
 * in one round trip. A fragment of the caller's statement, so it takes no handle: the statement
 * runs with the caller's. Fields left out take the column's default.
 */
export function queueMailsFrom(from: RawBuilder<unknown>, mail: MailsFrom): RawBuilder<unknown> {
  // A template's row leaves subject, html and text empty (their columns have no default).
  const emptied = (field: (typeof MAIL_FIELDS)[number]) => mail.template !== undefined && (field === "subject" || field === "html" || field === "text");
  const fields = MAIL_FIELDS.filter((field) => mail[field] !== undefined || emptied(field));
  const value = (field: (typeof MAIL_FIELDS)[number]) => {
    const v = mail[field];
    if (field === "kind") return sql.lit(mail.kind);
    if (emptied(field)) return sql.lit("");
    if (isOperationNodeSource(v)) return v;
    if (field === "headers" || field === "attachments") return sql`${JSON.stringify(v)}::jsonb`;
    return sql`${seal(String(v), field === "to" ? "email" : "mail")}`;
  };
  return sql`INSERT INTO outbox (${sql.join(fields.map((f) => sql.ref(MAIL_COLUMNS[f])))}) SELECT ${sql.join(fields.map(value))} FROM ${from}`;
}

/*
 * The worker's side. A claim leases rows: it moves their next_attempt_at to the end of the
 * lease (and counts the attempt) in one short statement, so the row locks last only for that
 * statement and other workers skip the rows (SKIP LOCKED now, the future next_attempt_at
 * after the commit). Each row is then settled on its own as soon as its send resolves.
 */

/** The due, pending rows to take next, most urgent first, locked (rows locked elsewhere are skipped). */
function duePick(qb: QueryCreator<Database>, options: { now: Date; limit: number }) {
  return qb
    .selectFrom("outbox")
    .select("id")
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", options.now)
    .orderBy("priority")
    .orderBy("next_attempt_at")
    .orderBy("id")
    .limit(options.limit)
    .forUpdate()
    .skipLocked();
}

/**
 * Leases up to `limit` due, pending rows: the most urgent kind first (a signer's confirmation,
 * then sign-in mails, then updates and letters: `priority`, derived from the kind), oldest due
 * first within a kind. A flood of one kind therefore delays a confirmation by one batch at most.
 */
export async function claimDueMails(db: Kysely<Database>, options: { now: Date; leaseUntil: Date; limit: number }): Promise<OutboxRow[]> {
  // The locked pick is a MATERIALIZED CTE: as `id IN (subquery)` the planner may rescan the
  // subquery (a nested loop), and with SKIP LOCKED each rescan picks other rows, so one claim
  // could take far more than `limit` rows and run past the priority order.
  const rows = await db
    .with(
      (cte) => cte("due").materialized(),
      (qb) => duePick(qb, options),
    )
    .updateTable("outbox")
    .from("due")
    .set((eb) => ({ attempts: eb("outbox.attempts", "+", 1), next_attempt_at: options.leaseUntil }))
    .whereRef("outbox.id", "=", "due.id")
    .returningAll("outbox")
    .execute();
  return rows.sort((a, b) => a.priority - b.priority || a.id - b.id);
}

/**
 * What a mail keeps once it has left (sent, or failed for good): its record of delivery (kind,
 * times, status, attempts, the redacted last error; its Message-ID follows from id and
 * created_at). The address, subject, bodies with their live links, headers (List-Unsubscribe)
 * and attachment references are erased in the same statement that records the outcome.
 */
const ERASED = { to_address: "", subject: "", html: "", text: "", template: "", headers: "{}", attachments: "[]" } as const;

/** The SMTP server accepted these rows' messages (one statement, one commit, for a group of them). */
export async function markMailsSent(db: Kysely<Database>, ids: number[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("outbox")
    .set({ status: "sent", sent_at: at, ...ERASED })
    .where("id", "in", ids)
    .execute();
}

/**
 * Erases what a mail that left should no longer hold, for rows recorded before the worker did it
 * itself (or by hand). Returns how many rows it erased.
 */
export async function eraseLeftMails(db: Kysely<Database>): Promise<number> {
  const result = await db
    .updateTable("outbox")
    .set(ERASED)
    .where("status", "in", ["sent", "failed"])
    .where((eb) =>
      eb.or([
        eb("to_address", "<>", ""),
        eb("subject", "<>", ""),
        eb("html", "<>", ""),
        eb("text", "<>", ""),
        eb("template", "<>", ""),
        eb(sql<string>`headers::text`, "<>", "{}"),
        eb(sql<string>`attachments::text`, "<>", "[]"),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A temporary failure: try again at `nextAttemptAt`. */
export async function markMailRetry(db: Kysely<Database>, id: number, nextAttemptAt: Date, error: string): Promise<void> {
  await db.updateTable("outbox").set({ next_attempt_at: nextAttemptAt, last_error: error }).where("id", "=", id).where("status", "=", "pending").execute();
}

/** A permanent failure (or too many attempts): never retried. */
export async function markMailFailed(db: Kysely<Database>, id: number, error: string): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ status: "failed", last_error: error, ...ERASED })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .execute();
}

/** Gives back leased rows whose send never started: due at once, the attempt not counted. */
export async function releaseMails(db: Kysely<Database>, ids: number[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("outbox")
    .set((eb) => ({ attempts: eb("attempts", "-", 1), next_attempt_at: at }))
    .where("id", "in", ids)
    .where("status", "=", "pending")
    .execute();
}

/** Without SMTP: moves up to `limit` due rows to 'kept' (shown in the dev mailbox), picked as claimDueMails picks them. */
export async function keepDueMails(db: Kysely<Database>, options: { now: Date; limit: number }): Promise<number> {
  const rows = await db
    .with(
      (cte) => cte("due").materialized(),
      (qb) => duePick(qb, options),
    )
    .updateTable("outbox")
    .from("due")
    .set({ status: "kept" })
    .whereRef("outbox.id", "=", "due.id")
    .returning("outbox.id")
    .execute();
  return rows.length;
}

export type KeptMailSummary = Pick<OutboxRow, "id" | "created_at" | "kind" | "to_address" | "subject" | "template">;

/** Kept mails, newest first; `before` (an id) pages back. */
export async function listKeptMails(db: Kysely<Database>, options: { limit: number; before?: number }): Promise<KeptMailSummary[]> {
  let query = db
    .selectFrom("outbox")
    .select(["id", "created_at", "kind", "to_address", "subject", "template"])
    .where("status", "=", "kept")
    .orderBy("id", "desc")
    .limit(options.limit);
  if (options.before !== undefined) query = query.where("id", "<", options.before);
  return query.execute();
}

export async function findKeptMail(db: Kysely<Database>, id: number): Promise<OutboxRow | undefined> {
  return db.selectFrom("outbox").selectAll().where("id", "=", id).where("status", "=", "kept").executeTakeFirst();
}

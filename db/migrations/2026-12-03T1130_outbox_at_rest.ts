import { sql, type Kysely } from "kysely";

// The outbox at rest (issue 11).
// 1. Priority: a signer's confirmation goes before sign-in mails, which go before updates and
//    delivery letters, whatever is queued ahead of it (a flood of one kind starves no other).
//    Derived from the kind by PostgreSQL itself, so every writer (enqueueMail, the one-statement
//    signing INSERT, the INSERT … SELECT of updates) gets it without knowing about it.
// 2. A mail that has left (sent, or failed for good) keeps only its record of delivery: kind,
//    times, status, attempts, last error (addresses redacted). Address, subject, bodies (with
//    their confirm / reject / withdraw / unsubscribe / sign-in links), headers (List-Unsubscribe)
//    and attachment references are erased, here for the rows already sent, and by the worker
//    from now on (db/queries/outbox.ts). Mails still waiting keep their content: they must be sent.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE outbox ADD COLUMN priority smallint NOT NULL GENERATED ALWAYS AS (
      CASE
        WHEN kind IN ('signature_confirm', 'signature_already') THEN 0
        WHEN kind IN ('login', 'invite', 'my_data') THEN 1
        ELSE 2
      END
    ) STORED`.execute(db);
  await sql`DROP INDEX IF EXISTS outbox_due_idx`.execute(db);
  await sql`CREATE INDEX outbox_due_idx ON outbox (priority, next_attempt_at, id) WHERE status = 'pending'`.execute(db);
  await sql`
    UPDATE outbox SET to_address = '', subject = '', html = '', text = '', headers = '{}'::jsonb, attachments = '[]'::jsonb
    WHERE status IN ('sent', 'failed')`.execute(db);
  await sql`CREATE INDEX outbox_done_idx ON outbox (coalesce(sent_at, created_at)) WHERE status <> 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // What was erased stays erased.
  await sql`DROP INDEX IF EXISTS outbox_done_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS outbox_due_idx`.execute(db);
  await db.schema.alterTable("outbox").dropColumn("priority").execute();
  await sql`CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'pending'`.execute(db);
}

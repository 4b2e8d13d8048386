import { sql, type Kysely } from "kysely";

// Paper signatures (issue 17, item 3): signatures collected on a printed sheet, entered by an
// organizer one by one or from a CSV file.
//  - signatures.source: 'web' (the sign form, confirmed by e-mail) or 'paper'. A paper signature is
//    stored confirmed at once, with its ledger leaf (app/services/paper.server.ts, the same leaf
//    encoding as confirmSignature): it counts, is listed and printed like any other, marked "on paper".
//  - signatures.entered_by: the organizer who entered it (kept null if that account is deleted).
//  - a paper signature has no address, ever (no e-mail, no receipt, no news): a CHECK says so.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE signatures ADD COLUMN source text NOT NULL DEFAULT 'web' CHECK (source IN ('web', 'paper'))`.execute(db);
  await sql`ALTER TABLE signatures ADD COLUMN entered_by bigint REFERENCES users (id) ON DELETE SET NULL`.execute(db);
  await sql`ALTER TABLE signatures ADD CONSTRAINT signatures_paper_no_address
    CHECK (source <> 'paper' OR (email IS NULL AND email_key IS NULL AND NOT keep_informed))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE signatures DROP CONSTRAINT signatures_paper_no_address`.execute(db);
  await sql`ALTER TABLE signatures DROP COLUMN entered_by`.execute(db);
  await sql`ALTER TABLE signatures DROP COLUMN source`.execute(db);
}

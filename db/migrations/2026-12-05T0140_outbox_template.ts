import { sql, type Kysely } from "kysely";

// A mail may be queued as what it is made from instead of what it says (issue 16): `template`
// holds, sealed like the bodies ("mail"), the name of one of emails/stored.ts's templates and its
// values; subject, html and text stay empty until the worker renders it where it sends it. The
// signer's confirmation is queued so: rendering, compressing and sealing its bodies was a quarter
// of the app's CPU per signature, and its sealed bodies most of the bytes the sign statement wrote.
// Erased with the rest of the row's content once the mail has left (db/queries/outbox.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE outbox ADD COLUMN template text NOT NULL DEFAULT ''`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox").dropColumn("template").execute();
}

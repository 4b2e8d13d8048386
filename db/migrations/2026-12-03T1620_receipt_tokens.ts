import { sql, type Kysely } from "kysely";

// Signer receipts (issue 13 point 4): confirming issues a short-lived, single-use token of purpose
// 'receipt' (stored hashed, like every signature token), set in an HttpOnly cookie scoped to the
// appeal's thanks page. Only that browser can then ask for the receipt (app/services/receipts.server.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE signature_tokens DROP CONSTRAINT signature_tokens_purpose_check`.execute(db);
  await sql`ALTER TABLE signature_tokens ADD CONSTRAINT signature_tokens_purpose_check CHECK (purpose in ('confirm', 'reject', 'withdraw', 'unsubscribe', 'receipt'))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM signature_tokens WHERE purpose = 'receipt'`.execute(db);
  await sql`ALTER TABLE signature_tokens DROP CONSTRAINT signature_tokens_purpose_check`.execute(db);
  await sql`ALTER TABLE signature_tokens ADD CONSTRAINT signature_tokens_purpose_check CHECK (purpose in ('confirm', 'reject', 'withdraw', 'unsubscribe'))`.execute(
    db,
  );
}

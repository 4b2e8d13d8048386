import { sql, type Kysely } from "kysely";

// Letter jobs on a lease (issue 16): the worker that claimed a letter holds it until lease_until
// and renews it while it works; only a letter whose lease has run out goes back to the queue, so
// letter workers can run on other machines. `attempts` (already there) is the claim's number.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE letters ADD COLUMN lease_until timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE letters DROP COLUMN IF EXISTS lease_until`.execute(db);
}

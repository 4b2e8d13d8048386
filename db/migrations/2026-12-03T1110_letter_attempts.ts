import { sql, type Kysely } from "kysely";

// Letter jobs: how many times a letter has been started, so a letter whose generation keeps
// dying with its process (killed, out of memory) is marked failed instead of retried forever;
// and an index over the queue (pending and running letters), read at every claim.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("letters")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`CREATE INDEX letters_queue_idx ON letters (created_at, id) WHERE status IN ('pending', 'running')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS letters_queue_idx`.execute(db);
  await db.schema.alterTable("letters").dropColumn("attempts").execute();
}

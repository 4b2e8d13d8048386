import { createHash, randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";

/**
 * The signatory ledger (app/ledger/, docs/verification.md): every confirmed signature is a leaf of
 * its appeal's append-only Merkle tree, numbered in the order confirmations commit.
 *
 * - `appeals.ledger_size`: the next leaf index. Confirming takes it with
 *   `UPDATE appeals SET ledger_size = ledger_size + 1 … RETURNING ledger_size - 1`, so the appeal
 *   row's lock serialises indexes per appeal: the committed indexes are always a prefix.
 * - `signatures.ledger_index` / `ledger_salt` (32 random bytes): set on confirmation; the row
 *   keeps its fields, the salt makes its leaf unguessable.
 * - `ledger_leaves`: the leaf hash of every signature ever confirmed, never deleted while its
 *   appeal exists. When a confirmed signature is deleted, withdrawn or removed, the triggers below
 *   set `withdrawn_at` (one home for every path that does so: the withdraw and reject links,
 *   moderation, retention, erasure); the salt and fields go with the row, the hash stays, and
 *   reveals nothing.
 * - `letters.tree_size` / `tree_root`: the tree a generated letter holds; `letter_consistency`:
 *   the RFC 9162 consistency proof from each earlier letter of the appeal to a later one.
 *
 * Already confirmed signatures (withdrawn and removed ones included) get leaves here, in
 * (confirmed_at, id) order, in batches. The leaf encoding is a frozen copy of version 1 of
 * app/ledger/leaf.ts (db/ does not import app/; a migration must not change when leaf.ts gets a
 * version 2); the migration's test checks both agree.
 */

const BATCH = 5000;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("appeals")
    .addColumn("ledger_size", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("signatures").addColumn("ledger_index", "integer").addColumn("ledger_salt", "bytea").execute();
  await sql`ALTER TABLE signatures ADD CONSTRAINT signatures_ledger_salt_size CHECK (ledger_salt IS NULL OR octet_length(ledger_salt) = 32)`.execute(db);
  await sql`CREATE UNIQUE INDEX signatures_ledger_idx ON signatures (appeal_id, ledger_index) WHERE ledger_index IS NOT NULL`.execute(db);
  await db.schema
    .createTable("ledger_leaves")
    .addColumn("appeal_id", "integer", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("leaf_index", "integer", (c) => c.notNull())
    .addColumn("leaf_hash", "bytea", (c) => c.notNull().check(sql`octet_length(leaf_hash) = 32`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("withdrawn_at", "timestamptz")
    .addPrimaryKeyConstraint("ledger_leaves_pkey", ["appeal_id", "leaf_index"])
    .execute();
  await db.schema
    .alterTable("letters")
    .addColumn("tree_size", "integer")
    .addColumn("tree_root", "bytea", (c) => c.check(sql`tree_root IS NULL OR octet_length(tree_root) = 32`))
    .execute();
  await db.schema
    .createTable("letter_consistency")
    .addColumn("letter_id", "integer", (c) => c.notNull().references("letters.id").onDelete("cascade"))
    .addColumn("earlier_letter_id", "integer", (c) => c.notNull().references("letters.id").onDelete("cascade"))
    .addColumn("proof", "bytea", (c) => c.notNull())
    .addPrimaryKeyConstraint("letter_consistency_pkey", ["letter_id", "earlier_letter_id"])
    .execute();

  // A leaf stays when its signature goes: deleted (statement-level, so a bulk delete is one update)…
  await sql`
    CREATE FUNCTION ledger_leaf_gone() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE ledger_leaves l SET withdrawn_at = now()
      FROM gone g WHERE l.appeal_id = g.appeal_id AND l.leaf_index = g.ledger_index AND l.withdrawn_at IS NULL;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER signatures_ledger_delete AFTER DELETE ON signatures
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION ledger_leaf_gone()`.execute(db);
  // …or no longer confirmed (withdrawn after delivery, removed by moderation).
  await sql`
    CREATE FUNCTION ledger_leaf_unconfirmed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE ledger_leaves SET withdrawn_at = now()
      WHERE appeal_id = NEW.appeal_id AND leaf_index = NEW.ledger_index AND withdrawn_at IS NULL;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER signatures_ledger_unconfirmed AFTER UPDATE OF status ON signatures
    FOR EACH ROW WHEN (OLD.status = 'confirmed' AND NEW.status <> 'confirmed' AND NEW.ledger_index IS NOT NULL)
    EXECUTE FUNCTION ledger_leaf_unconfirmed()`.execute(db);

  // A safety net for writers that bypass confirmSignature (test and demo fixtures, bench seeds, an
  // operator's SQL): rows that become confirmed without a leaf get one, after the statement, in
  // (confirmed_at, id) order, by the same rules (the appeal row's lock, the v1 encoding). One
  // update per appeal per statement, so a bulk insert of a million rows does not update the appeal
  // row a million times. The salt is two random UUIDs (244 random bits; the app's path uses
  // crypto.randomBytes). The letter rechecks every leaf with app/ledger/leaf.ts.
  await sql`
    CREATE FUNCTION ledger_field(v text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
      SELECT int4send(octet_length(convert_to(normalize(coalesce(v, ''), NFC), 'UTF8'))) || convert_to(normalize(coalesce(v, ''), NFC), 'UTF8')
    $$`.execute(db);
  await sql`
    CREATE FUNCTION ledger_leaves_assign() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM changed WHERE status = 'confirmed' AND ledger_index IS NULL) THEN
        RETURN NULL;
      END IF;
      WITH todo AS (
        SELECT id, appeal_id, confirmed_at FROM changed WHERE status = 'confirmed' AND ledger_index IS NULL
      ), counts AS (
        SELECT appeal_id, count(*)::int AS n FROM todo GROUP BY appeal_id
      ), base AS (
        UPDATE appeals a SET ledger_size = a.ledger_size + c.n FROM counts c WHERE a.id = c.appeal_id
        RETURNING a.id AS appeal_id, a.ledger_size - c.n AS first
      ), numbered AS (
        SELECT t.id, b.first + (row_number() OVER (PARTITION BY t.appeal_id ORDER BY t.confirmed_at NULLS LAST, t.id))::int - 1 AS ix,
               uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) AS salt
        FROM todo t JOIN base b ON b.appeal_id = t.appeal_id
      ), done AS (
        UPDATE signatures s SET ledger_index = n.ix, ledger_salt = n.salt, confirmed_at = coalesce(s.confirmed_at, now())
        FROM numbered n WHERE s.id = n.id
        RETURNING s.appeal_id, s.ledger_index, s.ledger_salt, s.name, s.city, s.country, s.organization, s.position, s.confirmed_at, s.revision
      )
      INSERT INTO ledger_leaves (appeal_id, leaf_index, leaf_hash, created_at)
      SELECT appeal_id, ledger_index,
             sha256('\\x0001'::bytea || ledger_salt || ledger_field(name) || ledger_field(city)
               || ledger_field(upper(btrim(normalize(coalesce(country, ''), NFC), E' \\t\\n\\r'))) || ledger_field(organization)
               || ledger_field(position) || ledger_field(to_char(confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')) || ledger_field(revision::text)),
             confirmed_at
      FROM done;
      RETURN NULL;
    END $$`.execute(db);

  await backfill(db);

  await sql`
    CREATE TRIGGER signatures_ledger_insert AFTER INSERT ON signatures
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ledger_leaves_assign()`.execute(db);
  await sql`
    CREATE TRIGGER signatures_ledger_update AFTER UPDATE ON signatures
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ledger_leaves_assign()`.execute(db);
}

type Old = {
  id: number;
  appeal_id: number;
  status: string;
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  revision: number;
  confirmed_at: Date;
  at_key: string;
  gone_at: Date | null;
};

async function backfill(db: Kysely<any>) {
  const next = new Map<number, number>();
  // The key keeps confirmed_at as text: a JS Date would drop its microseconds.
  let after: { appeal: number; at: string; id: number } | null = null;
  for (;;) {
    const key: { appeal: number; at: string; id: number } | null = after;
    const rows: Old[] = (
      await sql<Old>`
        SELECT id, appeal_id, status, name, city, country, organization, position, revision, confirmed_at, confirmed_at::text AS at_key,
               CASE WHEN status = 'confirmed' THEN NULL ELSE coalesce(withdrawn_at, removed_at, now()) END AS gone_at
        FROM signatures
        WHERE confirmed_at IS NOT NULL AND ledger_index IS NULL
          ${key ? sql`AND (appeal_id, confirmed_at, id) > (${key.appeal}, ${key.at}::timestamptz, ${key.id})` : sql``}
        ORDER BY appeal_id, confirmed_at, id
        LIMIT ${BATCH}`.execute(db)
    ).rows;
    if (rows.length === 0) break;
    const ids: number[] = [];
    const appeals: number[] = [];
    const indexes: number[] = [];
    const salts: Buffer[] = [];
    const hashes: Buffer[] = [];
    const gone: Array<Date | null> = [];
    for (const r of rows) {
      const index = next.get(r.appeal_id) ?? 0;
      next.set(r.appeal_id, index + 1);
      const salt = randomBytes(32);
      ids.push(r.id);
      appeals.push(r.appeal_id);
      indexes.push(index);
      salts.push(salt);
      hashes.push(leafHashV1(r, salt));
      gone.push(r.gone_at);
    }
    await sql`
      UPDATE signatures s SET ledger_index = v.ix, ledger_salt = v.salt
      FROM unnest(${ids}::int[], ${indexes}::int[], ${salts}::bytea[]) AS v(id, ix, salt) WHERE s.id = v.id`.execute(db);
    await sql`
      INSERT INTO ledger_leaves (appeal_id, leaf_index, leaf_hash, created_at, withdrawn_at)
      SELECT v.appeal_id, v.ix, v.hash, s.confirmed_at, v.gone
      FROM unnest(${appeals}::int[], ${indexes}::int[], ${hashes}::bytea[], ${gone}::timestamptz[], ${ids}::int[]) AS v(appeal_id, ix, hash, gone, id)
      JOIN signatures s ON s.id = v.id`.execute(db);
    const last = rows[rows.length - 1]!;
    after = { appeal: last.appeal_id, at: last.at_key, id: last.id };
  }
  for (const [appeal, size] of next) await sql`UPDATE appeals SET ledger_size = ${size} WHERE id = ${appeal}`.execute(db);
}

/** Version 1 of app/ledger/leaf.ts, frozen: H(0x00 ‖ 0x01 ‖ salt ‖ 7 × (u32 BE length ‖ UTF-8)). */
export function leafHashV1(
  r: { name: string; city: string | null; country: string | null; organization: string | null; position: string | null; revision: number; confirmed_at: Date },
  salt: Buffer,
): Buffer {
  const fields = [
    r.name.normalize("NFC"),
    (r.city ?? "").normalize("NFC"),
    (r.country ?? "").normalize("NFC").trim().toUpperCase(),
    (r.organization ?? "").normalize("NFC"),
    (r.position ?? "").normalize("NFC"),
    r.confirmed_at.toISOString().slice(0, 10),
    String(r.revision),
  ];
  const hash = createHash("sha256").update(Buffer.of(0x00, 0x01)).update(salt);
  for (const f of fields) {
    const bytes = Buffer.from(f, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER signatures_ledger_update ON signatures`.execute(db);
  await sql`DROP TRIGGER signatures_ledger_insert ON signatures`.execute(db);
  await sql`DROP FUNCTION ledger_leaves_assign()`.execute(db);
  await sql`DROP FUNCTION ledger_field(text)`.execute(db);
  await sql`DROP TRIGGER signatures_ledger_unconfirmed ON signatures`.execute(db);
  await sql`DROP TRIGGER signatures_ledger_delete ON signatures`.execute(db);
  await sql`DROP FUNCTION ledger_leaf_unconfirmed()`.execute(db);
  await sql`DROP FUNCTION ledger_leaf_gone()`.execute(db);
  await db.schema.dropTable("letter_consistency").execute();
  await db.schema.alterTable("letters").dropColumn("tree_size").dropColumn("tree_root").execute();
  await db.schema.dropTable("ledger_leaves").execute();
  await sql`DROP INDEX signatures_ledger_idx`.execute(db);
  await sql`ALTER TABLE signatures DROP CONSTRAINT signatures_ledger_salt_size`.execute(db);
  await db.schema.alterTable("signatures").dropColumn("ledger_index").dropColumn("ledger_salt").execute();
  await db.schema.alterTable("appeals").dropColumn("ledger_size").execute();
}

import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "../../db/schema";
import { emailLookup, keyring, open, seal, sealedKeyId, type Keyring, type SealPurpose } from "./data-key.server";

/*
 * Key rotation (`npm run data-key -- rotate`, scripts/data-key.ts): with the new key in DATA_KEY
 * and the old ones in DATA_KEY_PREVIOUS, every sealed column's values that are not sealed under
 * the current key (sealed under an old one, or plain: written before encryption or by hand) are
 * opened and sealed again, and the look-up hashes made from an address recomputed under the
 * current key. Then the old keys can leave DATA_KEY_PREVIOUS.
 *
 * Each table is walked by id, at most BATCH rows a transaction; the rows of a batch are locked
 * (FOR UPDATE), so a change made meanwhile (a mail sent and erased, an address erased by
 * retention, a signature withdrawn) is never undone by writing back a value read before it.
 * It can run while the app serves: reads open either key, and look-ups try every key's hash.
 *
 * The columns (the contract of issue 14):
 *  - signatures.email ("email") with email_key = emailLookup(address);
 *  - signatures.name ("name") where it is sealed, or the signer chose disclosure = 'private';
 *  - outbox.to_address ("email"), subject, html, text, template ("mail") of mails not yet sent (pending, kept);
 *  - users.email ("email") with email_key.
 *  - org_registrations.email ("email"): registrations whose link is not used yet.
 *  - letters.flagged_names ("name", each value of the JSON array).
 * A signature whose address was erased but whose look-up hash was kept (duplicate detection)
 * cannot have that hash recomputed (there is no address): it stays under the old key.
 */

export const BATCH = 500;

interface Column {
  name: string;
  purpose: SealPurpose;
  /** Only rows where this holds are sealed (default: every non-empty value). */
  when?: RawBuilder<boolean>;
}

interface Table {
  table: "signatures" | "outbox" | "users" | "org_registrations";
  columns: Column[];
  /** Which rows the table's columns are looked at in. */
  rows?: RawBuilder<boolean>;
  /** Recompute email_key from the column holding the address (opened). */
  emailKeyFrom?: string;
}

export const SEALED_COLUMNS: Table[] = [
  {
    table: "signatures",
    columns: [
      { name: "email", purpose: "email" },
      { name: "name", purpose: "name", when: sql<boolean>`(name LIKE 's1:%' OR disclosure = 'private')` },
    ],
    emailKeyFrom: "email",
  },
  {
    table: "outbox",
    rows: sql<boolean>`status IN ('pending', 'kept')`,
    columns: [
      { name: "to_address", purpose: "email" },
      { name: "subject", purpose: "mail" },
      { name: "html", purpose: "mail" },
      { name: "text", purpose: "mail" },
      { name: "template", purpose: "mail" },
    ],
  },
  { table: "users", columns: [{ name: "email", purpose: "email" }], emailKeyFrom: "email" },
  // Registrations whose link was not used yet (the address is erased when it is).
  { table: "org_registrations", columns: [{ name: "email", purpose: "email" }] },
];

const applies = (t: Table, c: Column) =>
  sql<boolean>`(${sql.ref(c.name)} IS NOT NULL AND ${sql.ref(c.name)} <> '' AND ${c.when ?? sql`true`}${t.rows ? sql` AND ${t.rows}` : sql``})`;

/** A value of the column that is not sealed under `keyId`. */
const stale = (t: Table, c: Column, keyId: string) => sql<boolean>`(${applies(t, c)} AND ${sql.ref(c.name)} NOT LIKE ${`s1:${keyId}:%`})`;

export interface RotationCount {
  column: string;
  resealed: number;
}

/**
 * Seals again, under the ring's current key, every value of SEALED_COLUMNS that is not sealed
 * under it. Throws (having committed the batches before) if a value is sealed under a key the
 * ring does not have. `onBatch` hears each committed batch.
 */
export async function rotateDataKey(
  db: Kysely<Database>,
  options: { ring?: Keyring; batch?: number; onBatch?: (table: string, rows: number) => void } = {},
): Promise<RotationCount[]> {
  const ring = options.ring ?? keyring();
  const batch = options.batch ?? BATCH;
  const current = ring.current.id;
  const counts = new Map<string, number>();
  for (const t of SEALED_COLUMNS) {
    for (const c of t.columns) counts.set(`${t.table}.${c.name}`, 0);
    if (t.emailKeyFrom) counts.set(`${t.table}.email_key`, 0);
    let after = 0;
    for (;;) {
      const done = await db.transaction().execute(async (trx) => {
        const columns = sql.join(t.columns.map((c) => sql.ref(c.name)));
        const anyStale = sql.join(
          t.columns.map((c) => stale(t, c, current)),
          sql` OR `,
        );
        const { rows } = await sql<Record<string, string | null> & { id: string }>`
          SELECT id, ${columns}${t.table === "signatures" ? sql`, disclosure` : sql``} FROM ${sql.table(t.table)}
          WHERE id > ${after} AND (${anyStale})
          ORDER BY id LIMIT ${batch} FOR UPDATE`.execute(trx);
        if (rows.length === 0) return true;
        after = Number(rows[rows.length - 1]!.id);
        const names = [...t.columns.map((c) => c.name), ...(t.emailKeyFrom ? ["email_key"] : [])];
        const values = rows.map((row) => {
          const set: Record<string, string | null> = {};
          for (const c of t.columns) {
            const value = row[c.name];
            set[c.name] = null;
            if (value === null || value === undefined || value === "") continue;
            if (c.name === "name" && sealedKeyId(value) === null && row.disclosure !== "private") continue;
            if (sealedKeyId(value) === current) continue;
            set[c.name] = seal(open(value, c.purpose, ring), c.purpose, ring);
            counts.set(`${t.table}.${c.name}`, counts.get(`${t.table}.${c.name}`)! + 1);
          }
          if (t.emailKeyFrom) {
            const address = row[t.emailKeyFrom];
            set.email_key = address && set[t.emailKeyFrom] !== null ? emailLookup(open(address, "email", ring), ring) : null;
            if (set.email_key !== null) counts.set(`${t.table}.email_key`, counts.get(`${t.table}.email_key`)! + 1);
          }
          return sql`(${Number(row.id)}::bigint, ${sql.join(names.map((n) => sql`${set[n]}::text`))})`;
        });
        // A value left null in the batch stays as it is. A recomputed look-up hash another row
        // already holds (two old accounts of one mailbox) is not taken: that row keeps its own.
        const sameScope = t.table === "signatures" ? sql`o.appeal_id = t.appeal_id` : sql`true`;
        const assignments = names.map((n) =>
          n === "email_key"
            ? sql`email_key = CASE WHEN v.email_key IS NULL OR EXISTS (SELECT 1 FROM ${sql.table(t.table)} o WHERE o.email_key = v.email_key AND o.id <> t.id AND ${sameScope}) THEN t.email_key ELSE v.email_key END`
            : sql`${sql.ref(n)} = coalesce(v.${sql.ref(n)}, t.${sql.ref(n)})`,
        );
        await sql`
          UPDATE ${sql.table(t.table)} AS t SET ${sql.join(assignments)}
          FROM (VALUES ${sql.join(values)}) AS v(id, ${sql.join(names.map((n) => sql.ref(n)))})
          WHERE t.id = v.id`.execute(trx);
        options.onBatch?.(t.table, rows.length);
        return rows.length < batch;
      });
      if (done) break;
    }
  }
  counts.set("letters.flagged_names", await rotateFlaggedNames(db, ring, batch));
  return [...counts].map(([column, resealed]) => ({ column, resealed }));
}

/**
 * letters.flagged_names: the names a letter had to transliterate (a hidden signer's among them),
 * a JSON array of values sealed as "name". Letters whose array holds a value not under the current
 * key are sealed again, a batch at a time. Returns how many letters changed.
 */
async function rotateFlaggedNames(db: Kysely<Database>, ring: Keyring, batch: number): Promise<number> {
  let after = 0;
  let changed = 0;
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ id: number; flagged_names: unknown }>`
        SELECT id, flagged_names FROM letters
        WHERE id > ${after} AND jsonb_typeof(flagged_names) = 'array' AND jsonb_array_length(flagged_names) > 0
        ORDER BY id LIMIT ${batch} FOR UPDATE`.execute(trx);
      if (rows.length === 0) return true;
      after = Number(rows[rows.length - 1]!.id);
      for (const row of rows) {
        const names = (Array.isArray(row.flagged_names) ? row.flagged_names : []).map(String);
        if (names.every((n) => sealedKeyId(n) === ring.current.id)) continue;
        const resealed = names.map((n) => seal(open(n, "name", ring), "name", ring));
        await sql`UPDATE letters SET flagged_names = ${JSON.stringify(resealed)}::jsonb WHERE id = ${row.id}`.execute(trx);
        changed++;
      }
      return rows.length < batch;
    });
    if (done) return changed;
  }
}

export interface KeyStatus {
  column: string;
  /** Values per key id; "plain" for values not sealed. */
  byKey: Record<string, number>;
}

/** How many values of each sealed column are under each key id (or plain). */
export async function dataKeyStatus(db: Kysely<Database>): Promise<KeyStatus[]> {
  const out: KeyStatus[] = [];
  for (const t of SEALED_COLUMNS) {
    for (const c of t.columns) {
      const { rows } = await sql<{ key: string; n: string }>`
        SELECT CASE WHEN ${sql.ref(c.name)} ~ '^s1:[0-9a-f]{8}:' THEN substr(${sql.ref(c.name)}, 4, 8) ELSE 'plain' END AS key, count(*) AS n
        FROM ${sql.table(t.table)} WHERE ${applies(t, c)} GROUP BY 1 ORDER BY 1`.execute(db);
      out.push({ column: `${t.table}.${c.name}`, byKey: Object.fromEntries(rows.map((r) => [r.key, Number(r.n)])) });
    }
  }
  return out;
}

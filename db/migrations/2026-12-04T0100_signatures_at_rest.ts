import { sql, type Kysely } from "kysely";
// The one exception to "db/ imports no app/ code": the sealed format and the look-up hash must be
// exactly the app's (and the keyring its configuration's), not a copy that could drift. Imported
// only when there is a row to seal: an empty database (a new install, the tests' template, which
// Playwright's loader migrates and which cannot load that module's JSON import) never loads it.
type DataKey = typeof import("../../app/services/data-key.server");

// Signatures at rest (issue 14): what signing now writes, for the rows written before it.
//  - signatures.email: the address sealed ("email", app/services/data-key.server.ts);
//  - signatures.email_key: the keyed hash of the normalised address (emailLookup), no longer the
//    normalised address itself; a row whose address is already erased keeps only its key, which is
//    that normalised address, and gets its keyed hash too (emailKey is idempotent);
//  - signatures.name of a signer who chose "do not show me publicly": sealed ("name"). Its ledger
//    leaf was computed over the name itself, which is what every reader opens, so it still matches.
// In JS, in batches of BATCH rows (keyset by id), one statement each; it needs the data key
// (DATA_KEY, or the development one under DATA_DIR), as the app does, and reads it only when
// there is a row to seal (an empty database migrates without it). A value already sealed is
// left as it is, so a rerun changes nothing.

const BATCH = 1000;

type Row = { id: number; email: string | null; email_key: string | null; name: string; disclosure: string };

export async function up(db: Kysely<any>): Promise<void> {
  let loaded: { dataKey: DataKey; ring: ReturnType<DataKey["keyring"]> } | null = null;
  // A keyed hash is base64url: a key with "@" in it is still the normalised address.
  const plainKey = (key: string | null) => key !== null && key.includes("@");
  let after = 0;
  for (;;) {
    const rows = (
      await sql<Row>`
        SELECT id, email, email_key, name, disclosure FROM signatures
        WHERE id > ${after}
          AND ((email IS NOT NULL AND email NOT LIKE 's1:%') OR email_key LIKE '%@%' OR (disclosure = 'private' AND name NOT LIKE 's1:%'))
        ORDER BY id LIMIT ${BATCH}`.execute(db)
    ).rows;
    if (rows.length === 0) break;
    if (!loaded) {
      const dataKey: DataKey = await import("../../app/services/data-key.server");
      loaded = { dataKey, ring: dataKey.keyring() };
    }
    const { emailLookup, seal, sealedKeyId } = loaded.dataKey;
    const ring = loaded.ring;
    const ids: number[] = [];
    const emails: Array<string | null> = [];
    const keys: Array<string | null> = [];
    const names: string[] = [];
    for (const r of rows) {
      const address = r.email !== null && sealedKeyId(r.email) === null ? r.email : null;
      ids.push(r.id);
      emails.push(address !== null ? seal(address, "email", ring) : r.email);
      keys.push(address !== null ? emailLookup(address, ring) : plainKey(r.email_key) ? emailLookup(r.email_key!, ring) : r.email_key);
      names.push(r.disclosure === "private" && sealedKeyId(r.name) === null ? seal(r.name, "name", ring) : r.name);
    }
    await sql`
      UPDATE signatures s SET email = v.email, email_key = v.email_key, name = v.name
      FROM unnest(${ids}::bigint[], ${emails}::text[], ${keys}::text[], ${names}::text[]) AS v(id, email, email_key, name)
      WHERE s.id = v.id`.execute(db);
    after = Number(rows[rows.length - 1]!.id);
  }
}

export async function down(): Promise<void> {
  // Sealed values stay sealed: opening them all again would undo the point of this migration.
}

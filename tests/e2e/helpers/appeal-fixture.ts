import crypto from "node:crypto";
import pg from "pg";
import { emailLookup, keyringFrom, open, seal } from "../../../app/services/data-key.server";

/**
 * Published appeals for browser tests, written straight into the e2e database (the shape
 * seedDemo and publish() give them: versions, an addressee, revision 1, a counts row), and a
 * few direct looks at what the app stored.
 */
let pool: pg.Pool | undefined;

function db(): pg.Pool {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error("E2E_DATABASE_URL is not set (run through playwright-global)");
  pool ??= new pg.Pool({ connectionString: url, max: 2 });
  return pool;
}

export async function closeFixtureDb() {
  await pool?.end();
  pool = undefined;
}

export interface VersionText {
  title: string;
  summary: string;
  body: string;
}

type FieldMode = "off" | "optional" | "required";

export interface FixtureOptions {
  originalLanguage?: string;
  versions: Record<string, VersionText>;
  fields?: { city?: FieldMode; country?: FieldMode; organization?: FieldMode; position?: FieldMode };
  goal?: number | null;
}

export interface FixtureAppeal {
  id: number;
  slug: string;
  /** The owner's address, to sign in with (helpers/sign-in.ts). */
  ownerEmail: string;
}

/** A new organization with its owner and one published appeal with a unique slug. */
export async function createPublishedAppeal(options: FixtureOptions): Promise<FixtureAppeal> {
  const suffix = crypto.randomBytes(4).toString("hex");
  const slug = `e2e-sign-${suffix}`;
  const original = options.originalLanguage ?? Object.keys(options.versions)[0] ?? "ru";
  const fields = { city: "optional", country: "optional", organization: "off", position: "off", ...options.fields };
  const client = await db().connect();
  try {
    await client.query("BEGIN");
    const org = await client.query<{ id: string }>("INSERT INTO organizations (name) VALUES ($1) RETURNING id", [`Signing NGO ${suffix}`]);
    // As the app stores an account: the address sealed, found by its keyed hash at sign-in.
    const ownerEmail = `owner-${suffix}@example.org`;
    const user = await client.query<{ id: string }>("INSERT INTO users (email, email_key) VALUES ($1, $2) RETURNING id", [
      seal(ownerEmail, "email", ring()),
      emailLookup(ownerEmail, ring()),
    ]);
    await client.query("INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'owner')", [org.rows[0]!.id, user.rows[0]!.id]);
    const appeal = await client.query<{ id: string }>(
      `INSERT INTO appeals (organization_id, slug, original_language, status, goal, field_city, field_country, field_organization, field_position,
                            current_revision, created_by, published_at)
       VALUES ($1, $2, $3, 'published', $4, $5, $6, $7, $8, 1, $9, now()) RETURNING id`,
      [org.rows[0]!.id, slug, original, options.goal ?? null, fields.city, fields.country, fields.organization, fields.position, user.rows[0]!.id],
    );
    const id = Number(appeal.rows[0]!.id);
    for (const [lang, v] of Object.entries(options.versions)) {
      await client.query("INSERT INTO appeal_versions (appeal_id, lang, title, summary, body) VALUES ($1, $2, $3, $4, $5)", [
        id,
        lang,
        v.title,
        v.summary,
        v.body,
      ]);
    }
    const translations = Object.fromEntries(
      Object.keys(options.versions).map((lang) => [
        lang,
        { name: "Роберта Метсола", position: "President of the European Parliament", institution: "European Parliament" },
      ]),
    );
    const addressee = await client.query<{ id: string }>(
      "INSERT INTO addressees (appeal_id, position, email, translations) VALUES ($1, 1, NULL, $2) RETURNING id",
      [id, JSON.stringify(translations)],
    );
    const content = { versions: options.versions, addressees: [{ id: Number(addressee.rows[0]!.id), email: null, translations }] };
    await client.query("INSERT INTO appeal_revisions (appeal_id, number, change_note, content, created_by) VALUES ($1, 1, '', $2, $3)", [
      id,
      JSON.stringify(content),
      user.rows[0]!.id,
    ]);
    await client.query("INSERT INTO appeal_counts (appeal_id) VALUES ($1)", [id]);
    await client.query("COMMIT");
    return { id, slug, ownerEmail };
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

/** Removes what a test created (signatures, tokens and counts go with the appeal). */
export async function deleteAppeal(appeal: FixtureAppeal) {
  const org = await db().query<{ organization_id: string; created_by: string }>("SELECT organization_id, created_by FROM appeals WHERE id = $1", [appeal.id]);
  await db().query("DELETE FROM count_deltas WHERE appeal_id = $1", [appeal.id]);
  await db().query("DELETE FROM abuse_events WHERE appeal_id = $1", [appeal.id]);
  await db().query("DELETE FROM appeals WHERE id = $1", [appeal.id]);
  const row = org.rows[0];
  if (row) {
    await db().query("DELETE FROM organizations WHERE id = $1", [row.organization_id]);
    await db().query("DELETE FROM users WHERE id = $1", [row.created_by]);
  }
}

export async function setAppealStatus(appeal: FixtureAppeal, status: "closed" | "delivered") {
  await db().query(
    `UPDATE appeals SET status = $2, closed_at = coalesce(closed_at, now()), delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END WHERE id = $1`,
    [appeal.id, status],
  );
}

export interface StoredSignature {
  status: string;
  lang: string;
  revision: number;
  name: string;
  city: string | null;
  disclosure: string;
  keep_informed: boolean;
}

/** The tests' keyring (tests/setup/playwright-global.ts sets DATA_KEY for the app and the specs). */
const ring = () => keyringFrom(process.env.DATA_KEY ?? "");

/** A stored address, opened (a value that is not sealed reads as it is). */
const openAddress = (stored: string) => open(stored, "email", ring());

/** The ids of this appeal's signatures stored with exactly this address (any case). */
async function signatureIdsOf(appeal: FixtureAppeal, email: string): Promise<number[]> {
  const r = await db().query<{ id: string; email: string }>("SELECT id, email FROM signatures WHERE appeal_id = $1 AND email IS NOT NULL", [appeal.id]);
  return r.rows.filter((row) => openAddress(row.email).toLowerCase() === email.toLowerCase()).map((row) => Number(row.id));
}

/** The signatures stored with an address (opened and compared in any case). */
export async function signaturesOf(appeal: FixtureAppeal, email: string): Promise<StoredSignature[]> {
  const r = await db().query<StoredSignature>(
    "SELECT status, lang, revision, name, city, disclosure, keep_informed FROM signatures WHERE id = ANY($1::bigint[]) ORDER BY id",
    [await signatureIdsOf(appeal, email)],
  );
  return r.rows;
}

/** Makes every confirmation link of this address expire now. */
export async function expireConfirmLinks(appeal: FixtureAppeal, email: string) {
  await db().query(
    `UPDATE signature_tokens SET expires_at = now() - interval '1 second'
     WHERE purpose = 'confirm' AND signature_id = ANY($1::bigint[])`,
    [await signatureIdsOf(appeal, email)],
  );
}

/** `count` confirmed public signatures named "Listed 001"… ("Listed 001" the newest), a minute apart. */
export async function addListedSigners(appeal: FixtureAppeal, count: number) {
  await db().query(
    `INSERT INTO signatures (appeal_id, revision, lang, status, name, disclosure, created_at, confirmed_at)
     SELECT $1, 1, 'en', 'confirmed', 'Listed ' || lpad(g::text, 3, '0'), 'public', now() - make_interval(mins => g), now() - make_interval(mins => g)
     FROM generate_series(1, $2::int) g`,
    [appeal.id, count],
  );
}

/**
 * `count` confirmed public signers named "<prefix> NN" (NN from 01, newest first) in `city`, each
 * with an address stored as signing stores it (sealed, with its keyed look-up hash).
 */
export async function addSignersWithAddresses(appeal: FixtureAppeal, count: number, prefix: string, city: string | null, address: (i: number) => string) {
  // Oldest first, so ids rise with time as in real signing.
  for (let i = count; i >= 1; i--) {
    const email = address(i);
    await db().query(
      `INSERT INTO signatures (appeal_id, revision, lang, status, name, city, disclosure, email, email_key, created_at, confirmed_at)
       VALUES ($1, 1, 'ru', 'confirmed', $2, $3, 'public', $4, $5, now() - make_interval(mins => $6), now() - make_interval(mins => $6))`,
      [appeal.id, `${prefix} ${String(i).padStart(2, "0")}`, city, seal(email, "email", ring()), emailLookup(email, ring()), i],
    );
  }
}

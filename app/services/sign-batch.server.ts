import { sql } from "kysely";
import { executePrepared, getDb } from "../../db/client";
import { queueMailsFrom } from "../../db/queries/outbox";
import type { Disclosure } from "../../db/schema";

/**
 * Group commit for signing (issue 16). Each sign is one statement that stores the signature, its
 * three tokens and its confirmation e-mail at once (signing.server.ts sign). Signs that arrive
 * while MAX_IN_FLIGHT such statements are running wait for one to finish, then go together in
 * the next: one statement, one commit, one round trip for up to MAX_BATCH signatures. A sign that
 * finds nothing running goes at once, as a batch of one, so a quiet appeal waits for nothing.
 *
 * Under a rush this is what PostgreSQL's work per signature comes down to: parsing, planning and
 * committing once for many (bench:sign prints how many signatures a statement carried). Each
 * signature keeps its own outcome (stored, already there, appeal closed); if a batch fails as a
 * whole, each of its signatures is tried again alone, so one bad row fails only itself.
 */

/** Statements at once; more waiting signs join the next. Two keeps both cores busy (PostgreSQL and the app). */
export const MAX_IN_FLIGHT = 2;
/** Signatures in one statement at most. */
export const MAX_BATCH = 64;

/** One signature as stored: sealed where it is stored sealed, tokens as their hashes. */
export interface SignRow {
  appealId: number;
  lang: string;
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  disclosure: Disclosure;
  keepInformed: boolean;
  /** Sealed address and its look-up key; during a key rotation, the previous keys' look-ups too. */
  email: string;
  emailKey: string;
  previousKeys: string[];
  ipHash: string | null;
  confirmHash: Buffer;
  rejectHash: Buffer;
  withdrawHash: Buffer;
  /** Hours the confirm and reject links, and the withdraw link, stay valid. */
  ttlHours: number;
  withdrawHours: number;
  /** The confirmation e-mail (to the sealed address above): its sealed template, its headers. */
  mail: { template: string; headers: Record<string, string> };
}

export interface SignOutcome {
  /** The new signature's id; null when the address already has one here (or the appeal is closed). */
  id: number | null;
  /** Whether the appeal still took signatures when the statement ran. */
  open: boolean;
}

interface Waiting {
  row: SignRow;
  resolve: (outcome: SignOutcome) => void;
  reject: (error: unknown) => void;
}

let queue: Waiting[] = [];
let inFlight = 0;

/** Stores one signature with its tokens and e-mail, in the next statement that has room. */
export function storeSignature(row: SignRow): Promise<SignOutcome> {
  return new Promise((resolve, reject) => {
    queue.push({ row, resolve, reject });
    pump();
  });
}

function pump() {
  while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
    const batch = take();
    inFlight++;
    void settle(batch).finally(() => {
      inFlight--;
      pump();
    });
  }
}

/**
 * The oldest waiting signs, up to MAX_BATCH, one per address and appeal: a second sign by the same
 * address waits for the next statement, so it finds the first one stored and is told so.
 */
function take(): Waiting[] {
  const batch: Waiting[] = [];
  const rest: Waiting[] = [];
  const keys = new Set<string>();
  for (const waiting of queue) {
    const key = `${waiting.row.appealId}:${waiting.row.emailKey}`;
    if (batch.length < MAX_BATCH && !keys.has(key)) {
      keys.add(key);
      batch.push(waiting);
    } else rest.push(waiting);
  }
  queue = rest;
  return batch;
}

async function settle(batch: Waiting[]) {
  try {
    const outcomes = await storeBatch(batch.map((w) => w.row));
    batch.forEach((w, k) => w.resolve(outcomes[k]!));
  } catch (error) {
    if (batch.length === 1) return batch[0]!.reject(error);
    // One row may be what failed: each alone (one after another, in this batch's turn), so the
    // others are stored and it fails only itself.
    for (const w of batch)
      await storeBatch([w.row]).then(
        (outcomes) => w.resolve(outcomes[0]!),
        (e: unknown) => w.reject(e),
      );
  }
}

/**
 * The statement: the signatures (ON CONFLICT per row: an address signs an appeal once), their
 * tokens and their e-mails, only for signatures it stored, and only while the appeal is open —
 * read again here, so closing takes effect at once. Its text is the same for any number of rows
 * (each column one array parameter), so it goes as a prepared statement (executePrepared):
 * PostgreSQL parses and plans it once per connection, not at every sign.
 */
async function storeBatch(rows: SignRow[]): Promise<SignOutcome[]> {
  const column = <T>(pick: (row: SignRow) => T) => rows.map(pick);
  // A row's place is its ordinality in the arrays (1-based).
  const previous = rows.flatMap((row, k) => row.previousKeys.map((key) => ({ k: k + 1, key })));
  const stored = await executePrepared(
    sql<{ k: number; id: number | null; open: boolean }>`
    WITH v AS (
      SELECT * FROM unnest(
        ${column((r) => r.appealId)}::bigint[], ${column((r) => r.lang)}::text[], ${column((r) => r.name)}::text[],
        ${column((r) => r.city)}::text[], ${column((r) => r.country)}::text[], ${column((r) => r.organization)}::text[], ${column((r) => r.position)}::text[],
        ${column((r) => r.disclosure)}::text[], ${column((r) => r.keepInformed)}::bool[], ${column((r) => r.email)}::text[], ${column((r) => r.emailKey)}::text[],
        ${column((r) => r.ipHash)}::text[], ${column((r) => r.confirmHash)}::bytea[], ${column((r) => r.rejectHash)}::bytea[], ${column((r) => r.withdrawHash)}::bytea[],
        ${column((r) => r.ttlHours)}::float8[], ${column((r) => r.withdrawHours)}::float8[],
        ${column((r) => r.mail.template)}::text[], ${column((r) => JSON.stringify(r.mail.headers))}::jsonb[]
      ) WITH ORDINALITY AS v(appeal_id, lang, name, city, country, organization, position, disclosure, keep_informed, email, email_key,
             ip_hash, confirm_hash, reject_hash, withdraw_hash, ttl_hours, withdraw_hours, mail_template, mail_headers, k)
    ), a AS (
      SELECT id, current_revision FROM appeals
      WHERE id IN (SELECT appeal_id FROM v) AND status = 'published' AND (closes_at IS NULL OR closes_at > now())
    ), s AS (
      INSERT INTO signatures (appeal_id, revision, lang, name, city, country, organization, position, disclosure, keep_informed, email, email_key, ip_hash)
      SELECT a.id, a.current_revision, v.lang, v.name, v.city, v.country, v.organization, v.position, v.disclosure, v.keep_informed, v.email, v.email_key, v.ip_hash
      FROM v JOIN a ON a.id = v.appeal_id
      ${
        previous.length > 0
          ? // During a key rotation a row may still hold a previous key's look-up: a duplicate too.
            sql`WHERE NOT EXISTS (
                  SELECT 1 FROM unnest(${previous.map((p) => p.k)}::int[], ${previous.map((p) => p.key)}::text[]) AS pk(k, key)
                  JOIN signatures p ON p.appeal_id = v.appeal_id AND p.email_key = pk.key AND p.status IN ('pending', 'confirmed')
                  WHERE pk.k = v.k)`
          : sql``
      }
      ORDER BY v.k
      ON CONFLICT (appeal_id, email_key) WHERE email_key IS NOT NULL AND status IN ('pending', 'confirmed') DO NOTHING
      RETURNING id, appeal_id, email_key
    ), n AS (
      SELECT v.*, s.id AS signature_id FROM s JOIN v ON v.appeal_id = s.appeal_id AND v.email_key = s.email_key
    ), t AS (
      INSERT INTO signature_tokens (token_hash, signature_id, purpose, expires_at)
      SELECT x.hash, n.signature_id, x.purpose, now() + x.hours * interval '1 hour'
      FROM n, LATERAL (VALUES (n.confirm_hash, 'confirm', n.ttl_hours), (n.reject_hash, 'reject', n.ttl_hours), (n.withdraw_hash, 'withdraw', n.withdraw_hours)) AS x(hash, purpose, hours)
    ), o AS (
      ${queueMailsFrom(sql`n`, { kind: "signature_confirm", to: sql`n.email`, template: sql`n.mail_template`, headers: sql`n.mail_headers` })}
    )
    SELECT v.k, n.signature_id AS id, EXISTS (SELECT 1 FROM a WHERE a.id = v.appeal_id) AS open
    FROM v LEFT JOIN n ON n.k = v.k ORDER BY v.k`.compile(getDb()),
  );
  return stored.map((r) => ({ id: r.id, open: r.open }));
}

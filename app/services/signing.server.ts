import { sql } from "kysely";
import { getDb, type DB } from "../../db/client";
import { enqueueMail } from "../../db/queries/outbox";
import type { Disclosure, RevisionContent, TokenPurpose } from "../../db/schema";
import { neutralSender } from "../../emails/neutral";
import type { MailLang } from "../../emails/signing";
import { storedMailText, type StoredMail } from "../../emails/stored";
import type { UiLang } from "../i18n";
import type { SignInput } from "../schemas/sign";
import { env } from "../utils/env.server";
import { leafFieldsOf, leafHash, newSalt } from "../ledger/leaf";
import { AppError } from "../utils/errors";
import { hashesMatch, hashToken, isWellFormedToken, newToken } from "../utils/tokens.server";
import { ephemeralClientKey, ipHash, mayMailAddress, recordAbuse, screenSubmission } from "./abuse.server";
import { emailLookup, emailLookups, keyring, open, seal } from "./data-key.server";
import { storeSignature } from "./sign-batch.server";
import { effectiveStatus } from "./status";

const WITHDRAW_TOKEN_DAYS = 400;

interface SigningTarget {
  id: number;
  slug: string;
  status: string;
  closesAt: Date | null;
  revision: number;
  originalLanguage: string;
  titles: Record<string, string>;
  /** The minimal-data preset: no IP hash stored, neutral e-mail subject and sender. */
  minimalData: boolean;
}

// The signing path reads the appeal on every POST; a 2-second in-process cache keeps that
// off the database under a rush (closing still takes effect within 2 s).
const targetCache = new Map<string, { at: number; value: SigningTarget | null }>();

async function signingTarget(slug: string): Promise<SigningTarget | null> {
  const cached = targetCache.get(slug);
  if (cached && Date.now() - cached.at < 2000) return cached.value;
  const row = await getDb()
    .selectFrom("appeals as a")
    .innerJoin("appeal_revisions as r", (j) => j.onRef("r.appeal_id", "=", "a.id").onRef("r.number", "=", "a.current_revision"))
    .select(["a.id", "a.slug", "a.status", "a.closes_at", "a.current_revision", "a.original_language", "r.content", "a.minimal_data"])
    .where("a.slug", "=", slug)
    .executeTakeFirst();
  const value = row
    ? {
        id: row.id,
        slug: row.slug,
        status: row.status,
        closesAt: row.closes_at,
        revision: row.current_revision,
        originalLanguage: row.original_language,
        titles: titlesOf(row.content),
        minimalData: row.minimal_data,
      }
    : null;
  if (targetCache.size > 1000) targetCache.clear();
  targetCache.set(slug, { at: Date.now(), value });
  return value;
}

function titlesOf(content: RevisionContent) {
  return Object.fromEntries(Object.entries(content.versions).map(([lang, v]) => [lang, v.title]));
}

function titleFor(titles: Record<string, string>, lang: string, original: string) {
  return titles[lang] || titles[original] || "";
}

function accepting(target: SigningTarget) {
  return effectiveStatus({ status: target.status === "published" ? "published" : "closed", closes_at: target.closesAt }) === "published";
}

const ttlHours = () => env().SIGNATURE_TOKEN_TTL_HOURS;
// The pages behind the links open in the signer's language, whatever browser opens them.
const link = (kind: "confirm" | "reject" | "withdraw", token: string, lang: MailLang) => `${env().APP_URL}/s/${kind}/${token}?lang=${lang}`;

export interface SignContext {
  lang: UiLang;
  ip: string;
}

/**
 * Records a pending signature and queues its confirmation e-mail, in one statement (one round
 * trip, atomic). The caller answers "check your e-mail" whatever happens here — new, pending,
 * already confirmed, or silently refused by an abuse check — so nothing can be enumerated.
 */
export async function sign(slug: string, input: SignInput, ctx: SignContext): Promise<void> {
  const target = await signingTarget(slug);
  if (!target) throw new AppError("not_found");
  if (!accepting(target)) throw new AppError("closed");
  // Minimal data: nothing IP-derived is stored; the limit counts an hourly-rekeyed key in memory.
  const hashedIp = target.minimalData ? null : ipHash(ctx.ip);
  const limitKey = hashedIp ?? ephemeralClientKey(ctx.ip);
  const tripped = await screenSubmission({ website: input.website, stamp: input.stamp, email: input.email, ipHash: limitKey });
  if (tripped) {
    await recordAbuse(tripped, target.id);
    return;
  }
  // At rest (issue 14): the address sealed, found and counted once by its keyed hash; a hidden
  // signer's name sealed too (public and initials names are public anyway).
  const ring = keyring();
  const key = emailLookup(input.email, ring);
  const storedName = input.disclosure === "private" ? seal(input.name, "name", ring) : input.name;
  // During a key rotation a row may still hold the previous key's hash: it counts as a duplicate too.
  const previousKeys = emailLookups(input.email, ring).slice(1);
  const lang: MailLang = ctx.lang;
  const title = titleFor(target.titles, ctx.lang, target.originalLanguage);
  const confirm = newToken();
  const reject = newToken();
  const withdraw = newToken();
  // Queued as its template and values: rendered where it is sent (emails/stored.ts).
  const mail = confirmMail(lang, input.name, title, { confirm: confirm.token, reject: reject.token, withdraw: withdraw.token }, target.minimalData);
  // The cached target may be up to 2 s old: whether the appeal is open, and its current
  // revision, are read again in the statement that stores it, so closing takes effect at once.
  const result = await storeSignature({
    appealId: target.id,
    lang: ctx.lang,
    name: storedName,
    city: input.city,
    country: input.country,
    organization: input.organization,
    position: input.position,
    disclosure: input.disclosure,
    keepInformed: input.keepInformed,
    email: seal(input.email, "email", ring),
    emailKey: key,
    previousKeys,
    ipHash: hashedIp,
    confirmHash: confirm.hash,
    rejectHash: reject.hash,
    withdrawHash: withdraw.hash,
    ttlHours: ttlHours(),
    withdrawHours: WITHDRAW_TOKEN_DAYS * 24,
    mail: { template: seal(storedMailText(mail), "mail", ring), headers: senderOf(target, lang) ?? {} },
  });
  if (result.id) return;
  if (!result.open) {
    targetCache.delete(slug);
    throw new AppError("closed");
  }
  await alreadyThere(target, key, emailLookups(input.email, ring), input.email, input.name, lang, title);
}

/** A minimal-data appeal's mails carry the neutral sender name (emails/neutral.ts); others MAIL_FROM's. */
const senderOf = (target: SigningTarget, lang: MailLang) => (target.minimalData ? neutralSender(lang) : undefined);

/** Whole days for the e-mail's "the link works for N days" (at least 1). */
const ttlDays = () => Math.max(1, Math.round(ttlHours() / 24));

/** The confirmation mail (emails/signing.ts confirmEmail) as queued: its template and values. */
function confirmMail(lang: MailLang, name: string, title: string, tokens: Record<"confirm" | "reject" | "withdraw", string>, neutral: boolean): StoredMail {
  return {
    template: "signature_confirm",
    lang,
    values: {
      name,
      title,
      days: ttlDays(),
      confirmUrl: link("confirm", tokens.confirm, lang),
      rejectUrl: link("reject", tokens.reject, lang),
      withdrawUrl: link("withdraw", tokens.withdraw, lang),
      neutral,
    },
  };
}

/** The address already has a signature here: resend its confirmation, or say it is already signed. */
async function alreadyThere(target: SigningTarget, key: string, keys: string[], address: string, name: string, lang: MailLang, title: string) {
  if (!(await mayMailAddress(key))) {
    await recordAbuse("address_rate", target.id);
    return;
  }
  const db = getDb();
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("signatures")
      .select(["id", "status"])
      .where("appeal_id", "=", target.id)
      .where("email_key", "in", keys)
      .where("status", "in", ["pending", "confirmed"])
      .executeTakeFirst();
    if (!existing) return;
    const withdraw = newToken();
    await insertToken(trx, existing.id, "withdraw", withdraw.hash, WITHDRAW_TOKEN_DAYS * 24);
    if (existing.status === "confirmed") {
      await enqueueMail(trx, {
        kind: "signature_already",
        to: address,
        template: storedMailText({
          template: "signature_already",
          lang,
          values: { title, withdrawUrl: link("withdraw", withdraw.token, lang), neutral: target.minimalData },
        }),
        headers: senderOf(target, lang),
      });
      return;
    }
    const confirm = newToken();
    const reject = newToken();
    await insertToken(trx, existing.id, "confirm", confirm.hash, ttlHours());
    await insertToken(trx, existing.id, "reject", reject.hash, ttlHours());
    const template = confirmMail(lang, name, title, { confirm: confirm.token, reject: reject.token, withdraw: withdraw.token }, target.minimalData);
    await enqueueMail(trx, { kind: "signature_confirm", to: address, template: storedMailText(template), headers: senderOf(target, lang) });
  });
}

async function insertToken(db: Parameters<typeof enqueueMail>[0], signatureId: number, purpose: TokenPurpose, hash: Buffer, hours: number) {
  await db
    .insertInto("signature_tokens")
    .values({ token_hash: hash, signature_id: signatureId, purpose, expires_at: sql<Date>`now() + ${hours}::float8 * interval '1 hour'` })
    .execute();
}

export type TokenState = "valid" | "already" | "expired" | "invalid" | "closed" | "delivered";

export interface TokenView {
  state: TokenState;
  slug: string | null;
  title: string;
  lang: string;
  /** Set only by a confirmation just made: the single-use token that lets this browser ask for its receipt. */
  receiptToken?: string;
}

async function lookup(token: string, purpose: TokenPurpose) {
  if (!isWellFormedToken(token)) return null;
  const hash = hashToken(token);
  const row = await getDb()
    .selectFrom("signature_tokens as t")
    .innerJoin("signatures as s", "s.id", "t.signature_id")
    .innerJoin("appeals as a", "a.id", "s.appeal_id")
    .innerJoin("appeal_revisions as r", (j) => j.onRef("r.appeal_id", "=", "a.id").onRef("r.number", "=", "a.current_revision"))
    .select([
      "t.token_hash",
      "t.purpose",
      "t.used_at",
      sql<boolean>`t.expires_at < now()`.as("expired"),
      "s.id as signatureId",
      "s.status as signatureStatus",
      "s.lang",
      "a.id as appealId",
      "a.slug",
      "a.status as appealStatus",
      "a.closes_at",
      "a.original_language",
      "r.content",
    ])
    .where("t.token_hash", "=", hash)
    .executeTakeFirst();
  if (!row || row.purpose !== purpose || !hashesMatch(row.token_hash, hash)) return null;
  return { ...row, hash, title: titleFor(titlesOf(row.content), row.lang, row.original_language) };
}

type Found = NonNullable<Awaited<ReturnType<typeof lookup>>>;

function stateOf(found: Found | null, purpose: TokenPurpose): TokenState {
  if (!found) return "invalid";
  if (purpose === "confirm") {
    if (found.signatureStatus === "confirmed") return "already";
    if (found.used_at || found.signatureStatus !== "pending") return "invalid";
    if (found.expired) return "expired";
    if (effectiveStatus({ status: found.appealStatus, closes_at: found.closes_at }) !== "published") return "closed";
    return "valid";
  }
  if (found.used_at) return "invalid";
  if (found.expired) return "expired";
  if (found.signatureStatus !== "pending" && found.signatureStatus !== "confirmed") return "invalid";
  // A confirmed name is in the delivered letter: withdrawing it (by either link) is recorded, not erased.
  if (found.appealStatus === "delivered" && found.signatureStatus === "confirmed") return "delivered";
  return "valid";
}

/** What a link page shows before its button is pressed: nothing is consumed by opening it. */
export async function peekToken(token: string, purpose: "confirm" | "reject" | "withdraw"): Promise<TokenView> {
  const found = await lookup(token, purpose);
  return { state: stateOf(found, purpose), slug: found?.slug ?? null, title: found?.title ?? "", lang: found?.lang ?? "en" };
}

/**
 * Confirms a pending signature once; a second press answers "already". The signature becomes the
 * next leaf of its appeal's ledger (app/ledger/): the appeal row's lock (`ledger_size + 1`) is held
 * until commit, so committed indexes are always a prefix, whatever the concurrency. The instant
 * is picked here and written to confirmed_at, so the UTC day in the leaf is the row's.
 */
/** How long a confirmation's receipt token lives (the thanks cookie carrying it lives as long). */
export const RECEIPT_TTL_SECONDS = 600;

export async function confirmSignature(token: string): Promise<TokenView> {
  const found = await lookup(token, "confirm");
  const state = stateOf(found, "confirm");
  if (!found || state !== "valid") return { state, slug: found?.slug ?? null, title: found?.title ?? "", lang: found?.lang ?? "en" };
  const receipt = newToken();
  const confirmed = await getDb()
    .transaction()
    .execute(async (trx) => {
      const pending = (
        await sql<{
          id: number;
          appeal_id: number;
          name: string;
          city: string | null;
          country: string | null;
          organization: string | null;
          position: string | null;
          revision: number;
        }>`
          WITH t AS (
            UPDATE signature_tokens SET used_at = now()
            WHERE token_hash = ${found.hash} AND used_at IS NULL AND expires_at >= now()
            RETURNING signature_id
          )
          SELECT s.id, s.appeal_id, s.name, s.city, s.country, s.organization, s.position, s.revision
          FROM signatures s JOIN t ON s.id = t.signature_id WHERE s.status = 'pending' FOR UPDATE OF s`.execute(trx)
      ).rows[0];
      if (!pending) return false;
      const at = new Date();
      const salt = newSalt();
      // The leaf is over the name as the letter prints it: a hidden signer's name is opened first.
      const hash = leafHash(leafFieldsOf({ ...pending, name: open(pending.name, "name"), confirmedAt: at }), salt);
      await sql`
        WITH a AS (
          UPDATE appeals SET ledger_size = ledger_size + 1 WHERE id = ${pending.appeal_id} RETURNING ledger_size - 1 AS ix, minimal_data
        ), s AS (
          UPDATE signatures SET status = 'confirmed', confirmed_at = ${at}, ledger_index = (SELECT ix FROM a), ledger_salt = ${Buffer.from(salt)},
            -- Minimal data: the address goes now, unless the signer asked for news (email_key stays: duplicates).
            email = CASE WHEN keep_informed OR NOT (SELECT minimal_data FROM a) THEN email END
          WHERE id = ${pending.id} RETURNING appeal_id, ledger_index
        ), l AS (
          INSERT INTO ledger_leaves (appeal_id, leaf_index, leaf_hash, created_at) SELECT appeal_id, ledger_index, ${Buffer.from(hash)}, ${at} FROM s
        )
        INSERT INTO count_deltas (appeal_id, confirmed) SELECT appeal_id, 1 FROM s`.execute(trx);
      // The receipt's key (app/services/receipts.server.ts): single-use, as short-lived as the thanks cookie.
      await trx
        .insertInto("signature_tokens")
        .values({
          token_hash: receipt.hash,
          signature_id: pending.id,
          purpose: "receipt",
          expires_at: sql<Date>`now() + make_interval(secs => ${RECEIPT_TTL_SECONDS})`,
        })
        .execute();
      return true;
    });
  const view = { state: confirmed ? ("valid" as const) : ("already" as const), slug: found.slug, title: found.title, lang: found.lang };
  return confirmed ? { ...view, receiptToken: receipt.token } : view;
}

/** "It wasn't me": deletes the signature and its address (a confirmed one is withdrawn). */
export async function rejectSignature(token: string): Promise<TokenView> {
  return removeByToken(token, "reject");
}

/**
 * Withdraws a signature: before delivery it is deleted (and uncounted); after delivery the
 * letter already carries the name, so the withdrawal is recorded for the public revocation list.
 */
export async function withdrawSignature(token: string): Promise<TokenView> {
  return removeByToken(token, "withdraw");
}

async function removeByToken(token: string, purpose: "reject" | "withdraw"): Promise<TokenView> {
  const found = await lookup(token, purpose);
  const state = stateOf(found, purpose);
  const view = { slug: found?.slug ?? null, title: found?.title ?? "", lang: found?.lang ?? "en" };
  if (!found || (state !== "valid" && state !== "delivered")) return { state, ...view };
  await getDb()
    .transaction()
    .execute(async (trx) => {
      const used = await trx
        .updateTable("signature_tokens")
        .set({ used_at: sql`now()` })
        .where("token_hash", "=", found.hash)
        .where("used_at", "is", null)
        .returning("signature_id")
        .executeTakeFirst();
      if (!used) return;
      const sig = await trx.selectFrom("signatures").select(["status", "appeal_id"]).where("id", "=", found.signatureId).forUpdate().executeTakeFirst();
      if (!sig) return;
      if (state === "delivered" && sig.status === "confirmed") {
        await trx
          .updateTable("signatures")
          .set({ status: "withdrawn", withdrawn_at: sql`now()` })
          .where("id", "=", found.signatureId)
          .execute();
      } else {
        await trx.deleteFrom("signatures").where("id", "=", found.signatureId).execute();
      }
      if (sig.status === "confirmed") await trx.insertInto("count_deltas").values({ appeal_id: sig.appeal_id, confirmed: -1 }).execute();
    });
  return { state, ...view };
}

/**
 * Pending signatures whose confirmation links have all expired are deleted, with their
 * addresses. (Not by created_at: signing again sends a new link that must keep working.)
 */
export async function purgeUnconfirmed(): Promise<number> {
  const r = await getDb()
    .deleteFrom("signatures as s")
    .where("s.status", "=", "pending")
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("signature_tokens as t")
            .select("t.signature_id")
            .whereRef("t.signature_id", "=", "s.id")
            .where("t.purpose", "=", "confirm")
            .where("t.used_at", "is", null)
            .where(sql<boolean>`t.expires_at >= now()`),
        ),
      ),
    )
    .executeTakeFirst();
  // Hashed IPs are only needed while a rate-limit window may still look at them.
  await getDb()
    .updateTable("signatures")
    .set({ ip_hash: null })
    .where("ip_hash", "is not", null)
    .where(sql<boolean>`created_at < now() - interval '1 day'`)
    .execute();
  return Number(r.numDeletedRows);
}

export interface PublicSigner {
  name: string;
  city: string | null;
  country: string | null;
  at: string;
  /** Collected on a paper sheet (shown "on paper"). */
  paper: boolean;
}

export function initials(name: string): string {
  return name
    .split(/[\s-]+/u)
    .filter(Boolean)
    .map((part) => `${Array.from(part)[0]?.toLocaleUpperCase() ?? ""}.`)
    .join(" ");
}

/** A place in the public list: a signature's confirmation time (UTC, to the microsecond) and id. */
export interface ListKey {
  at: string;
  id: number;
}

/** Which page of the public list: the newest, the one after (older than) a key, or before (newer than) one. */
export type ListFrom = { first: true } | { after: ListKey } | { before: ListKey };

export const PUBLIC_LIST_PAGE = 50;

/**
 * The public list: newest first, per each signer's disclosure choice; never an address. Paged by
 * key (confirmed_at, id), not by offset, so a deep page costs what the first does
 * (signatures_confirmed_idx: appeal_id, confirmed_at, id, for confirmed rows). `older` / `newer`
 * are the keys to continue from, or null at either end.
 */
function listedSigners(appealId: number, db: DB) {
  return db
    .selectFrom("signatures")
    .where("appeal_id", "=", appealId)
    .where("status", "=", "confirmed")
    .where("hidden", "=", false)
    .where("disclosure", "!=", "private");
}

const listKey = (k: ListKey) => sql`(${k.at}::timestamptz, ${k.id}::bigint)`;

/**
 * The one query of a list page: up to `limit` rows from the key on (newest first; oldest first
 * for `before`). Exported so a test can EXPLAIN exactly what a page runs.
 */
export function signerPageQuery(appealId: number, from: ListFrom, limit: number, db: DB = getDb()) {
  const q = listedSigners(appealId, db).select([
    "id",
    "name",
    "city",
    "country",
    "disclosure",
    "source",
    sql<string>`to_char(confirmed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as("at"),
  ]);
  if ("before" in from)
    return q
      .where(sql<boolean>`(confirmed_at, id) > ${listKey(from.before)}`)
      .orderBy("confirmed_at", "asc")
      .orderBy("id", "asc")
      .limit(limit);
  const after = "after" in from ? from.after : null;
  return q
    .$if(after !== null, (w) => w.where(sql<boolean>`(confirmed_at, id) < ${listKey(after ?? { at: "", id: 0 })}`))
    .orderBy("confirmed_at", "desc")
    .orderBy("id", "desc")
    .limit(limit);
}

export async function publicSigners(
  appealId: number,
  from: ListFrom = { first: true },
  perPage = PUBLIC_LIST_PAGE,
  db: DB = getDb(),
): Promise<{ signers: PublicSigner[]; more: boolean; older: ListKey | null; newer: ListKey | null; page: number; pages: number }> {
  const exists = async (comparison: "<" | ">", k: ListKey) =>
    Boolean(
      await listedSigners(appealId, db)
        .select("id")
        .where(sql<boolean>`(confirmed_at, id) ${sql.raw(comparison)} ${listKey(k)}`)
        .limit(1)
        .executeTakeFirst(),
    );
  const keyOf = (r: { at: string; id: number | string }): ListKey => ({ at: r.at, id: Number(r.id) });

  const rows = await signerPageQuery(appealId, from, perPage + 1, db).execute();
  let shown;
  let hasOlder: boolean;
  let hasNewer: boolean;
  if ("before" in from) {
    // Less than a page is newer than the key: that is the newest page.
    if (rows.length <= perPage) return publicSigners(appealId, { first: true }, perPage, db);
    shown = rows.slice(0, perPage).reverse();
    hasNewer = true;
    const oldest = shown.at(-1);
    hasOlder = oldest ? await exists("<", keyOf(oldest)) : false;
  } else {
    shown = rows.slice(0, perPage);
    hasOlder = rows.length > perPage;
    hasNewer = "after" in from && (await exists(">", shown[0] ? keyOf(shown[0]) : from.after));
  }
  const newest = shown[0];
  const oldest = shown.at(-1);
  const older = hasOlder && oldest ? keyOf(oldest) : null;
  const newer = hasNewer ? (newest ? keyOf(newest) : "after" in from ? from.after : null) : null;
  // "Page 2 of 14": the listed rows above this page and in all, counted on signatures_listed_idx
  // (index only). These counts grow with the depth, unlike the page's own query; the page behind
  // its 2-second cache (public-appeal.server.ts) runs them at most once per place and 2 s.
  const count = async (above: ListKey | null) =>
    Number(
      (
        await listedSigners(appealId, db)
          .select(sql<string>`count(*)`.as("n"))
          .$if(above !== null, (w) => w.where(sql<boolean>`(confirmed_at, id) > ${listKey(above ?? { at: "", id: 0 })}`))
          .executeTakeFirst()
      )?.n ?? 0,
    );
  const [total, above] = await Promise.all([count(null), hasNewer && newest ? count(keyOf(newest)) : Promise.resolve(0)]);
  const pages = Math.max(1, Math.ceil(total / perPage));
  const page = Math.min(pages, Math.floor(above / perPage) + 1); // the page its first row falls on
  return {
    page,
    pages,
    signers: shown.map((r) => ({
      name: (r.disclosure as Disclosure) === "initials" ? initials(r.name) : r.name,
      city: r.city,
      country: r.country,
      at: new Date(r.at).toISOString(),
      paper: r.source === "paper",
    })),
    more: older !== null,
    older,
    newer,
  };
}

/** The count including deltas not yet folded (a handful of rows), for the thanks page. */
export async function confirmedCountBySlug(slug: string): Promise<number | null> {
  const row = await getDb()
    .selectFrom("appeals as a")
    .leftJoin("appeal_counts as c", "c.appeal_id", "a.id")
    .select(sql<number>`coalesce(c.confirmed, 0) + coalesce((select sum(d.confirmed) from count_deltas d where d.appeal_id = a.id), 0)`.as("n"))
    .where("a.slug", "=", slug)
    .executeTakeFirst();
  return row ? Number(row.n) : null;
}

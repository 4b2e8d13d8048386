import crypto from "node:crypto";
import { getDb } from "../../db/client";
import { addresseesOf, attachmentsOf } from "../../db/queries/appeals";
import { insertLetter, letterByCode, lettersOf, queuedLettersOf } from "../../db/queries/letters";
import { isContentLang } from "../i18n";
import { env } from "../utils/env.server";
import { newVerificationCode, normaliseCode } from "../utils/codes";
import { AppError } from "../utils/errors";
import { appealForMember } from "./access.server";
import { open } from "./data-key.server";
import { ledgerFacts } from "./ledger.server";

/** Letters larger than this are delivered as a link instead of an attachment. */
export const MAX_ATTACHED_LETTER_BYTES = 8 * 1024 * 1024;

export type LetterRequest = { lang: string } | { all: true } | { combined: true };

/** The languages of an appeal's letters: the original first, then the translations (a combined letter's parts). */
export function letterLanguages(original: string, versions: Record<string, unknown>): string[] {
  return [
    original,
    ...Object.keys(versions)
      .filter((l) => l !== original)
      .sort(),
  ];
}

/**
 * The file name of a letter wherever it leaves the app (download, ZIP, e-mail attachment): a
 * combined letter is "combined" (all languages), never its first part's language.
 */
export function letterFileName(slug: string, letter: { kind: "single" | "combined"; lang: string; code: string }): string {
  return `${slug}-${letter.kind === "combined" ? "combined" : letter.lang}-${letter.code}.pdf`;
}

/**
 * Records letter snapshots to generate (one per language for "all"); the letter pipeline
 * (letter-pipeline.server.ts) makes the PDFs, in the background job or the CLI. Only owners and editors of the appeal's organization; never for a draft. An
 * organization may have at most LETTER_QUEUE_PER_ORG letters waiting or being made (the job
 * takes organizations in turn, see claimPendingLetter); the operator's CLI (userId null) is not
 * counted against it.
 */
export async function requestLetters(appealId: number, userId: number | null, request: LetterRequest): Promise<number[]> {
  const db = getDb();
  const appeal =
    userId === null
      ? await db.selectFrom("appeals").selectAll().where("id", "=", appealId).executeTakeFirst()
      : (await appealForMember(appealId, userId)).appeal;
  if (!appeal) throw new AppError("not_found");
  if (appeal.status === "draft" || appeal.current_revision < 1) throw new AppError("draft", "letters.draft");
  const revision = await db
    .selectFrom("appeal_revisions")
    .select("content")
    .where("appeal_id", "=", appeal.id)
    .where("number", "=", appeal.current_revision)
    .executeTakeFirstOrThrow();
  const languages = letterLanguages(appeal.original_language, revision.content.versions);
  const wanted: Array<{ lang: string; kind: "single" | "combined" }> =
    "all" in request
      ? languages.map((lang) => ({ lang, kind: "single" }))
      : "combined" in request
        ? [{ lang: appeal.original_language, kind: "combined" }]
        : [{ lang: request.lang, kind: "single" }];
  for (const w of wanted) if (!isContentLang(w.lang) || !languages.includes(w.lang)) throw new AppError("bad_request", "letters.unknownLang");
  return db.transaction().execute(async (trx) => {
    if (userId !== null) {
      // One request of the organization at a time past this point, so two cannot both fit.
      await trx.selectFrom("organizations").select("id").where("id", "=", appeal.organization_id).forUpdate().executeTakeFirst();
      if ((await queuedLettersOf(trx, appeal.organization_id)) + wanted.length > env().LETTER_QUEUE_PER_ORG) throw new AppError("busy", "letters.queueFull");
    }
    const ids: number[] = [];
    for (const w of wanted) {
      ids.push(
        await insertLetter(trx, {
          appealId: appeal.id,
          code: newVerificationCode(crypto.randomBytes),
          lang: w.lang,
          kind: w.kind,
          revision: appeal.current_revision,
          userId,
        }),
      );
    }
    return ids;
  });
}

export async function lettersPage(appealId: number, userId: number) {
  const { appeal, role } = await appealForMember(appealId, userId);
  const db = getDb();
  const [letters, deliveries, addressees] = await Promise.all([
    lettersOf(db, appeal.id),
    db
      .selectFrom("deliveries as d")
      .innerJoin("letters as l", "l.id", "d.letter_id")
      .leftJoin("outbox as o", "o.id", "d.outbox_id")
      .leftJoin("addressees as a", "a.id", "d.addressee_id")
      .select([
        "d.id",
        "d.addressee_id",
        "d.letter_id",
        "d.created_at",
        "l.code",
        "l.lang",
        "l.digest",
        "o.status as outcome",
        "o.last_error",
        "a.translations",
        "a.email",
      ])
      .where("d.appeal_id", "=", appeal.id)
      .orderBy("d.created_at", "desc")
      .execute(),
    addresseesOf(db, appeal.id),
  ]);
  return {
    appeal,
    role,
    // Organizers see who generated a letter only as "a member"; addresses stay out of pages.
    // The names a letter transliterated, opened (a hidden signer's is sealed at rest): members
    // see them in the dashboard anyway, and a sealed value must not reach a page.
    letters: letters.map(({ createdBy: _createdBy, storage_key: _k, flagged_names, ...l }) => ({ ...l, flagged_names: openFlaggedNames(flagged_names) })),
    // The newest delivery of each (addressee, letter) pair offers "send again" (if the addressee still has an address).
    deliveries: deliveries.map(({ email, ...d }, i) => ({
      ...d,
      addressee: d.translations?.[appeal.original_language]?.name ?? "",
      translations: undefined,
      last_error: d.last_error ? "error" : null,
      canResend: !!email && d.addressee_id !== null && deliveries.findIndex((e) => e.addressee_id === d.addressee_id && e.letter_id === d.letter_id) === i,
    })),
    addresseesWithEmail: addressees.filter((a) => a.email).length,
    // Addressees with an OpenPGP key: their letter can be downloaded encrypted to it (the letter's language is theirs).
    encryptedFor: addressees
      .filter((a) => a.openpgp_fingerprint)
      .map((a) => ({ id: a.id, name: a.translations[appeal.original_language]?.name ?? "", lang: a.letter_language ?? appeal.original_language })),
  };
}

/** A ready letter of the appeal, for download by its organizers. */
export async function letterFile(appealId: number, userId: number, letterId: number) {
  const { appeal } = await appealForMember(appealId, userId);
  const row = await getDb()
    .selectFrom("letters")
    .select(["id", "code", "lang", "kind", "storage_key", "size", "status"])
    .where("id", "=", letterId)
    .where("appeal_id", "=", appeal.id)
    .executeTakeFirst();
  if (!row || row.status !== "ready" || !row.storage_key) throw new AppError("not_found");
  return { ...row, storage_key: row.storage_key, slug: appeal.slug };
}

export async function zipContents(appealId: number, userId: number, letterIds: number[]) {
  const { appeal } = await appealForMember(appealId, userId);
  const db = getDb();
  if (!letterIds.length) throw new AppError("not_found");
  const letters = await db
    .selectFrom("letters")
    .selectAll()
    .where("appeal_id", "=", appeal.id)
    .where("id", "in", letterIds)
    .where("status", "=", "ready")
    .orderBy("id")
    .execute();
  if (letters.length !== letterIds.length) throw new AppError("conflict", "letters.notReady");
  const attachments = await attachmentsOf(db, appeal.id);
  // A combined letter's parts are the versions of its revision.
  const revisions = [...new Set(letters.filter((l) => l.kind === "combined").map((l) => l.revision))];
  const contents = revisions.length
    ? await db.selectFrom("appeal_revisions").select(["number", "content"]).where("appeal_id", "=", appeal.id).where("number", "in", revisions).execute()
    : [];
  const partsOf = (l: (typeof letters)[number]) => {
    const versions = contents.find((c) => c.number === l.revision)?.content.versions ?? {};
    return l.kind === "combined" ? letterLanguages(appeal.original_language, versions) : [l.lang];
  };
  return { appeal, letters: letters.map((l) => ({ ...l, languages: partsOf(l) })), attachments };
}

/** What /verify/:code shows: the snapshot's facts, never signatory data. */
export async function verification(codeInput: string) {
  const code = normaliseCode(codeInput);
  if (!code) return null;
  const row = await letterByCode(getDb(), code);
  if (!row) return null;
  const revoked = await getDb()
    .selectFrom("signatures")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("appeal_id", "=", row.appealId)
    .where("status", "=", "withdrawn")
    .where("withdrawn_at", ">", row.created_at)
    .executeTakeFirstOrThrow();
  const langs = row.kind === "combined" ? Object.keys(row.content.versions) : [row.lang];
  // The certificate the PDF is signed with, for the addressee to compare (null: made before letters were signed).
  const signer = await getDb().selectFrom("letters").select("signer_fingerprint").where("id", "=", row.id).executeTakeFirst();
  return {
    code: row.code,
    slug: row.slug,
    lang: row.lang,
    kind: row.kind,
    languages: langs,
    title: row.content.versions[row.lang]?.title ?? row.content.versions[row.original_language]?.title ?? "",
    revision: row.revision,
    count: row.count,
    generatedAt: new Date(row.created_at).toISOString(),
    digest: row.digest,
    fileSha256: row.file_sha256 ?? "",
    pages: row.pages,
    withdrawnSince: Number(revoked.n),
    signerFingerprint: signer?.signer_fingerprint ?? null,
    // The signatory ledger: size and root, earlier letters it extends, revocations, net count.
    // (Signing the revocation list with the organization's key hooks in here once signing is merged.)
    ledger: await ledgerFacts({ id: row.id, appealId: row.appealId, count: row.count }),
  };
}

export function sha256(data: Uint8Array) {
  return crypto.createHash("sha256").update(data).digest("hex");
}

/** A signed, unguessable download link for addressees when a letter is too large to attach. */
export function letterDownloadSignature(code: string) {
  return crypto.createHmac("sha256", env().SESSION_SECRET).update(`letter|${code}`).digest("base64url").slice(0, 32);
}

export async function letterForSignedDownload(code: string, signature: string) {
  const expected = letterDownloadSignature(code);
  if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null;
  const row = await getDb()
    .selectFrom("letters")
    .select(["code", "storage_key", "size", "lang"])
    .where("code", "=", code)
    .where("status", "=", "ready")
    .executeTakeFirst();
  return row?.storage_key ? { ...row, storage_key: row.storage_key } : null;
}

/** letters.flagged_names as stored (a JSON array, each value sealed or not), opened. */
function openFlaggedNames(stored: unknown): string[] {
  const values: unknown = typeof stored === "string" ? JSON.parse(stored) : stored;
  return Array.isArray(values) ? values.map((v) => open(String(v), "name")) : [];
}

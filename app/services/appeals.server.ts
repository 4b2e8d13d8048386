import { sql, type Kysely } from "kysely";
import { getDb } from "../../db/client";
import {
  addresseesOf,
  appealsOfOrganizations,
  attachmentsOf,
  deleteAddressee,
  deleteVersion,
  insertAddressee,
  type OpenPgpKeyColumns,
  insertRevision,
  moveAddressee,
  revisionsOf,
  slugTaken,
  updateAddressee,
  upsertVersion,
  versionsOf,
} from "../../db/queries/appeals";
import { membershipsOf } from "../../db/queries/organizations";
import type { AddresseeText, Database, FieldMode, RevisionContent } from "../../db/schema";
import { AppError, type PublishProblem } from "../utils/errors";
import { isSlug, SLUG_MAX, slugify } from "../utils/slug";
import { appealForMember, requireRole } from "./access.server";
import { assertMayPublish } from "./registration.server";
import { originalChanges, staleTranslations } from "./revisions.server";

export type { PublishProblem };

export async function dashboardOverview(userId: number) {
  const db = getDb();
  const organizations = await membershipsOf(db, userId);
  const appeals = await appealsOfOrganizations(
    db,
    organizations.map((o) => o.id),
  );
  return { organizations, appeals };
}

/**
 * A slug left empty: the title's (app/utils/slug.ts, as the page proposes it), "-2", "-3"… after
 * it while that is taken; "appeal" when the title has no letter to write in Latin.
 */
async function freeSlug(db: Kysely<Database>, title: string): Promise<string> {
  const proposed = slugify(title);
  const base = isSlug(proposed) ? proposed : "appeal";
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? "" : `-${n}`;
    const candidate = `${base.slice(0, SLUG_MAX - suffix.length).replace(/-+$/, "")}${suffix}`;
    if (!(await slugTaken(db, candidate))) return candidate;
  }
}

/** Two drafts claiming one slug at the same moment: the database's unique index decides. */
function slugClash(error: unknown): unknown {
  const unique = error instanceof Error && "code" in error && error.code === "23505";
  if (unique && "constraint" in error && error.constraint === "appeals_slug_key") return new AppError("conflict", "appeal.slugTaken", { field: "slug" });
  return error;
}

export async function createAppeal(
  userId: number,
  input: { organizationId: number; slug?: string | null; originalLanguage: string; title: string; minimalData?: boolean },
) {
  await requireRole(input.organizationId, userId, "member");
  const db = getDb();
  return db
    .transaction()
    .execute(async (trx) => {
      let slug = input.slug;
      if (!slug) slug = await freeSlug(trx, input.title);
      else if (await slugTaken(trx, slug)) throw new AppError("conflict", "appeal.slugTaken", { field: "slug" });
      const row = await trx
        .insertInto("appeals")
        .values({
          organization_id: input.organizationId,
          slug,
          original_language: input.originalLanguage,
          created_by: userId,
          minimal_data: input.minimalData ?? false,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await upsertVersion(trx, row.id, input.originalLanguage, { title: input.title, summary: "", body: "" });
      return row.id;
    })
    .catch((error: unknown) => {
      throw slugClash(error);
    });
}

export async function editorView(appealId: number, userId: number) {
  const { appeal, role } = await appealForMember(appealId, userId);
  const db = getDb();
  const [versions, addressees, attachments, revisions, organization] = await Promise.all([
    versionsOf(db, appeal.id),
    addresseesOf(db, appeal.id),
    attachmentsOf(db, appeal.id),
    revisionsOf(db, appeal.id),
    db.selectFrom("organizations").select(["id", "name", "status"]).where("id", "=", appeal.organization_id).executeTakeFirstOrThrow(),
  ]);
  // Computed here: the editor's components run in the browser too, where this module is not.
  const problems = publishProblems(appeal.original_language, versions, addressees);
  // The editor shows an addressee's OpenPGP key by its fingerprint; the key itself stays here.
  const shown = addressees.map(({ openpgp_key: _key, ...a }) => a);
  // Translations not updated since the original changed, each with what changed in the original.
  const stale = staleTranslations(appeal.original_language, versions);
  const original = versions.find((v) => v.lang === appeal.original_language);
  const staleChanges = Object.fromEntries(
    versions.flatMap((v) => (original && v.basis && stale.includes(v.lang) ? [[v.lang, originalChanges(v.basis, original, appeal.original_language)]] : [])),
  );
  const listed = versions.map(({ basis: _basis, ...v }) => v);
  return { appeal, role, versions: listed, addressees: shown, attachments, revisions, organization, problems, stale, staleChanges };
}

/** A text edit made against revision `base` while the appeal has moved on to `current`: stale. */
function assertBase(current: number, base: number | undefined) {
  if (base !== undefined && base !== current) throw new AppError("stale", undefined, { currentRevision: current });
}

async function touch(appealId: number) {
  await getDb()
    .updateTable("appeals")
    .set({ updated_at: sql`now()` })
    .where("id", "=", appealId)
    .execute();
}

/**
 * Saves the working copy of one language version. Before publication this is the text;
 * afterwards the published revision stays frozen until a correction is published.
 * A translation saved is taken as updated against the original as it is now (its basis).
 */
export async function saveVersion(
  appealId: number,
  userId: number,
  lang: string,
  input: { title: string; summary: string; body: string; baseRevision?: number },
) {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status === "delivered") throw new AppError("closed");
  assertBase(appeal.current_revision, input.baseRevision);
  const db = getDb();
  const basis =
    lang === appeal.original_language
      ? undefined
      : await db
          .selectFrom("appeal_versions")
          .select(["title", "summary", "body"])
          .where("appeal_id", "=", appeal.id)
          .where("lang", "=", appeal.original_language)
          .executeTakeFirst();
  await upsertVersion(db, appeal.id, lang, { title: input.title, summary: input.summary, body: input.body }, basis);
  await touch(appeal.id);
}

export async function removeVersion(appealId: number, userId: number, lang: string) {
  const { appeal } = await appealForMember(appealId, userId);
  if (lang === appeal.original_language) throw new AppError("bad_request", "appeal.cannotRemoveOriginal");
  await deleteVersion(getDb(), appeal.id, lang);
  await touch(appeal.id);
}

export async function updateSlug(appealId: number, userId: number, slug: string) {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status !== "draft") throw new AppError("bad_request", "appeal.slugFrozen");
  const db = getDb();
  if (await slugTaken(db, slug, appeal.id)) throw new AppError("conflict", "appeal.slugTaken", { field: "slug" });
  await db
    .updateTable("appeals")
    .set({ slug, updated_at: sql`now()` })
    .where("id", "=", appeal.id)
    .execute()
    .catch((error: unknown) => {
      throw slugClash(error);
    });
}

export interface SettingsInput {
  goal: number | null;
  closesAt: Date | null;
  fields: { city: FieldMode; country: FieldMode; organization: FieldMode; position: FieldMode };
  showPublicList: boolean;
  /** The minimal-data preset: may be turned off only while the appeal is a draft (nobody has signed under it). */
  minimalData?: boolean;
}

export async function saveSettings(appealId: number, userId: number, input: SettingsInput) {
  const { appeal } = await appealForMember(appealId, userId);
  // Once published, the preset stays on: people signed under it.
  const minimalData = appeal.minimal_data && appeal.status !== "draft" ? true : (input.minimalData ?? appeal.minimal_data);
  await getDb()
    .transaction()
    .execute(async (trx) => {
      await trx
        .updateTable("appeals")
        .set({
          goal: input.goal,
          closes_at: input.closesAt,
          field_city: input.fields.city,
          field_country: input.fields.country,
          field_organization: input.fields.organization,
          field_position: input.fields.position,
          show_public_list: input.showPublicList,
          minimal_data: minimalData,
          updated_at: sql`now()`,
        })
        .where("id", "=", appeal.id)
        .execute();
      if (minimalData && !appeal.minimal_data) await eraseForMinimalData(trx, appeal.id);
    });
}

/**
 * The minimal-data preset turned on after people signed: what it would not have kept goes now —
 * every IP hash, and the address of every confirmed signer who did not ask to be kept informed
 * (email_key stays, for duplicate detection, as at confirmation).
 */
async function eraseForMinimalData(trx: Parameters<typeof upsertVersion>[0], appealId: number) {
  await trx
    .updateTable("signatures")
    .set({
      ip_hash: null,
      email: sql<string | null>`CASE WHEN status = 'confirmed' AND NOT keep_informed THEN NULL ELSE email END`,
    })
    .where("appeal_id", "=", appealId)
    .where((eb) =>
      eb.or([eb("ip_hash", "is not", null), eb.and([eb("status", "=", "confirmed"), eb("keep_informed", "=", false), eb("email", "is not", null)])]),
    )
    .execute();
}

/** `letterLanguage`: the language of the letter this addressee receives (default: the original's). */
export async function addAddressee(
  appealId: number,
  userId: number,
  email: string | null,
  translations: Record<string, AddresseeText>,
  letterLanguage?: string,
  openpgp: OpenPgpKeyColumns | null = null,
) {
  const { appeal } = await appealForMember(appealId, userId);
  await insertAddressee(getDb(), appeal.id, email, translations, letterLanguage ?? appeal.original_language, openpgp);
  await touch(appeal.id);
}

export async function editAddressee(
  appealId: number,
  userId: number,
  id: number,
  email: string | null,
  translations: Record<string, AddresseeText>,
  letterLanguage?: string,
  /** The addressee's OpenPGP key: undefined keeps the one saved, null removes it. */
  openpgp?: OpenPgpKeyColumns | null,
) {
  const { appeal } = await appealForMember(appealId, userId);
  if (!(await updateAddressee(getDb(), appeal.id, id, email, translations, letterLanguage, openpgp))) throw new AppError("not_found");
  await touch(appeal.id);
}

export async function removeAddressee(appealId: number, userId: number, id: number) {
  const { appeal } = await appealForMember(appealId, userId);
  await deleteAddressee(getDb(), appeal.id, id);
  await touch(appeal.id);
}

export async function reorderAddressee(appealId: number, userId: number, id: number, direction: -1 | 1) {
  const { appeal } = await appealForMember(appealId, userId);
  await moveAddressee(getDb(), appeal.id, id, direction);
}

export function publishProblems(
  originalLanguage: string,
  versions: Array<{ lang: string; title: string; body: string }>,
  addressees: Array<{ translations: Record<string, AddresseeText> }>,
): PublishProblem[] {
  const problems: PublishProblem[] = [];
  if (!versions.some((v) => v.lang === originalLanguage)) problems.push({ code: "missingOriginal", lang: originalLanguage });
  for (const v of versions) {
    if (!v.title.trim()) problems.push({ code: "missingTitle", lang: v.lang });
    if (!v.body.trim()) problems.push({ code: "missingBody", lang: v.lang });
  }
  if (addressees.length === 0) problems.push({ code: "noAddressees" });
  addressees.forEach((a, index) => {
    const name = a.translations[originalLanguage]?.name?.trim();
    if (!name) problems.push({ code: "addresseeName", lang: originalLanguage, index: index + 1 });
  });
  return problems;
}

function snapshot(
  versions: Array<{ lang: string; title: string; summary: string; body: string }>,
  addressees: Array<{ id: number; email: string | null; translations: Record<string, AddresseeText> }>,
): RevisionContent {
  return {
    versions: Object.fromEntries(versions.map((v) => [v.lang, { title: v.title, summary: v.summary, body: v.body }])),
    addressees: addressees.map((a) => ({ id: a.id, email: a.email, translations: a.translations })),
  };
}

/**
 * Publishes the working copy: the first time as revision 1 (draft → published), later as a
 * correction with a public change note (revision N+1). Published text is never edited in place.
 * Translations not updated since the original changed are published only when each is named in
 * `confirmStale` (the organizer ticked the box listing them); otherwise the publish is refused.
 */
export async function publish(appealId: number, userId: number, options: { changeNote?: string; baseRevision?: number; confirmStale?: string[] } = {}) {
  const { appeal } = await appealForMember(appealId, userId);
  const db = getDb();
  return db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom("appeals").selectAll().where("id", "=", appeal.id).forUpdate().executeTakeFirstOrThrow();
    assertBase(locked.current_revision, options.baseRevision);
    if (locked.status === "delivered" || locked.status === "closed") throw new AppError("closed");
    // An organization that registered itself under ORG_REGISTRATION=approval waits for the operator.
    await assertMayPublish(trx, locked.organization_id);
    const versions = await versionsOf(trx, locked.id);
    const addressees = await addresseesOf(trx, locked.id);
    const problems = publishProblems(locked.original_language, versions, addressees);
    if (problems.length) throw new AppError("blocked", undefined, { problems });
    const number = locked.current_revision + 1;
    if (number > 1 && !options.changeNote?.trim()) throw new AppError("conflict", "form.required", { field: "changeNote" });
    const unconfirmed = staleTranslations(locked.original_language, versions).filter((l) => !options.confirmStale?.includes(l));
    if (unconfirmed.length) throw new AppError("conflict", "revisions.confirmRequired", { field: "confirmStale" });
    await insertRevision(trx, locked.id, number, snapshot(versions, addressees), options.changeNote?.trim() ?? "", userId);
    await trx
      .updateTable("appeals")
      .set({
        current_revision: number,
        status: "published",
        published_at: locked.published_at ?? new Date(),
        updated_at: sql`now()`,
      })
      .where("id", "=", locked.id)
      .execute();
    await trx
      .insertInto("appeal_counts")
      .values({ appeal_id: locked.id })
      .onConflict((oc) => oc.column("appeal_id").doNothing())
      .execute();
    return number;
  });
}

export async function closeAppeal(appealId: number, userId: number) {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status !== "published") throw new AppError("bad_request", "appeal.notOpen");
  await getDb()
    .updateTable("appeals")
    .set({ status: "closed", closed_at: sql`now()`, updated_at: sql`now()` })
    .where("id", "=", appeal.id)
    .where("status", "=", "published")
    .execute();
}

/** Closes every published appeal whose closing date has passed (run by the scheduler). */
export async function closeDueAppeals(): Promise<number> {
  const r = await getDb()
    .updateTable("appeals")
    .set({ status: "closed", closed_at: sql`closes_at`, updated_at: sql`now()` })
    .where("status", "=", "published")
    .where("closes_at", "<=", sql<Date>`now()`)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function deleteDraft(appealId: number, userId: number) {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status !== "draft") throw new AppError("bad_request", "appeal.notDraft");
  await getDb().deleteFrom("appeals").where("id", "=", appeal.id).execute();
}

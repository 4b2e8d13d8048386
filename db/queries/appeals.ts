import { sql, type Kysely } from "kysely";
import type { AddresseeText, Database, FieldMode, RevisionContent, VersionText } from "../schema.js";

type Db = Kysely<Database>;

export async function findAppealById(db: Db, id: number) {
  return db.selectFrom("appeals").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findAppealBySlug(db: Db, slug: string) {
  return db.selectFrom("appeals").selectAll().where("slug", "=", slug).executeTakeFirst();
}

export async function slugTaken(db: Db, slug: string, exceptId?: number) {
  let q = db.selectFrom("appeals").select("id").where("slug", "=", slug);
  if (exceptId !== undefined) q = q.where("id", "!=", exceptId);
  return Boolean(await q.executeTakeFirst());
}

export async function versionsOf(db: Db, appealId: number) {
  return db.selectFrom("appeal_versions").selectAll().where("appeal_id", "=", appealId).orderBy("lang").execute();
}

/** `basis`: for a translation, the original's text it was saved against (undefined: left as it is). */
export async function upsertVersion(db: Db, appealId: number, lang: string, text: VersionText, basis?: VersionText) {
  const v = { ...text, ...(basis ? { basis: JSON.stringify(basis) } : {}) };
  await db
    .insertInto("appeal_versions")
    .values({ appeal_id: appealId, lang, ...v })
    .onConflict((oc) => oc.columns(["appeal_id", "lang"]).doUpdateSet(v))
    .execute();
}

export async function deleteVersion(db: Db, appealId: number, lang: string) {
  await db.deleteFrom("appeal_versions").where("appeal_id", "=", appealId).where("lang", "=", lang).execute();
}

export async function addresseesOf(db: Db, appealId: number) {
  return db.selectFrom("addressees").selectAll().where("appeal_id", "=", appealId).orderBy("position").orderBy("id").execute();
}

/** An OpenPGP public key as stored (app/services/openpgp.server.ts): armored, and its fingerprint. */
export interface OpenPgpKeyColumns {
  armored: string;
  fingerprint: string;
}

export async function insertAddressee(
  db: Db,
  appealId: number,
  email: string | null,
  translations: Record<string, AddresseeText>,
  letterLanguage: string | null = null,
  openpgp: OpenPgpKeyColumns | null = null,
) {
  const row = await db
    .insertInto("addressees")
    .values({
      appeal_id: appealId,
      email,
      translations: JSON.stringify(translations),
      letter_language: letterLanguage,
      openpgp_key: openpgp?.armored ?? null,
      openpgp_fingerprint: openpgp?.fingerprint ?? null,
      position: sql<number>`coalesce((select max(position) + 1 from addressees where appeal_id = ${appealId}), 1)`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateAddressee(
  db: Db,
  appealId: number,
  id: number,
  email: string | null,
  translations: Record<string, AddresseeText>,
  letterLanguage?: string,
  openpgp?: OpenPgpKeyColumns | null,
) {
  const r = await db
    .updateTable("addressees")
    .set({
      email,
      translations: JSON.stringify(translations),
      ...(letterLanguage ? { letter_language: letterLanguage } : {}),
      ...(openpgp === undefined ? {} : { openpgp_key: openpgp?.armored ?? null, openpgp_fingerprint: openpgp?.fingerprint ?? null }),
    })
    .where("id", "=", id)
    .where("appeal_id", "=", appealId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteAddressee(db: Db, appealId: number, id: number) {
  await db.deleteFrom("addressees").where("id", "=", id).where("appeal_id", "=", appealId).execute();
}

/** Swaps an addressee with its neighbour above (-1) or below (+1). */
export async function moveAddressee(db: Db, appealId: number, id: number, direction: -1 | 1) {
  const list = await addresseesOf(db, appealId);
  const index = list.findIndex((a) => a.id === id);
  const other = list[index + direction];
  const self = list[index];
  if (!self || !other) return;
  await db.updateTable("addressees").set({ position: other.position }).where("id", "=", self.id).execute();
  await db.updateTable("addressees").set({ position: self.position }).where("id", "=", other.id).execute();
  if (self.position === other.position) {
    await db
      .updateTable("addressees")
      .set({ position: self.position + direction })
      .where("id", "=", self.id)
      .execute();
  }
}

export async function latestRevision(db: Db, appealId: number, number: number) {
  return db.selectFrom("appeal_revisions").selectAll().where("appeal_id", "=", appealId).where("number", "=", number).executeTakeFirst();
}

export async function revisionsOf(db: Db, appealId: number) {
  return db.selectFrom("appeal_revisions").select(["number", "change_note", "created_at"]).where("appeal_id", "=", appealId).orderBy("number").execute();
}

export async function insertRevision(db: Db, appealId: number, number: number, content: RevisionContent, changeNote: string, userId: number | null) {
  await db
    .insertInto("appeal_revisions")
    .values({ appeal_id: appealId, number, content: JSON.stringify(content), change_note: changeNote, created_by: userId })
    .execute();
}

export async function attachmentsOf(db: Db, appealId: number) {
  // The appeal's supporting documents: not the files that came with a response (an institution's letter).
  return db.selectFrom("attachments").selectAll().where("appeal_id", "=", appealId).where("update_id", "is", null).orderBy("id").execute();
}

export async function confirmedCount(db: Db, appealId: number): Promise<number> {
  const row = await db.selectFrom("appeal_counts").select("confirmed").where("appeal_id", "=", appealId).executeTakeFirst();
  return row?.confirmed ?? 0;
}

export async function appealsOfOrganizations(db: Db, organizationIds: number[]) {
  if (!organizationIds.length) return [];
  return db
    .selectFrom("appeals as a")
    .leftJoin("appeal_versions as v", (j) => j.onRef("v.appeal_id", "=", "a.id").onRef("v.lang", "=", "a.original_language"))
    .leftJoin("appeal_counts as c", "c.appeal_id", "a.id")
    .select(["a.id", "a.slug", "a.status", "a.organization_id", "a.updated_at", "v.title", sql<number>`coalesce(c.confirmed, 0)`.as("confirmed")])
    .where("a.organization_id", "in", organizationIds)
    .orderBy("a.updated_at", "desc")
    .execute();
}

export type FieldSettings = { field_city: FieldMode; field_country: FieldMode; field_organization: FieldMode; field_position: FieldMode };

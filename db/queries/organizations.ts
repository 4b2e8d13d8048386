import type { Kysely } from "kysely";
import { emailLookup, emailLookups, open, seal } from "../../app/services/data-key.server.js";
import type { Database, Role } from "../schema.js";

type Db = Kysely<Database>;

/*
 * At rest an account's address is sealed (users.email) and found by its keyed hash
 * (users.email_key, emailLookup; during a key rotation any key's hash: emailLookups). The
 * functions here return it opened.
 */

/** The account of an address (as the provider reads it: emailKey), its address opened. */
export async function findUserByEmail(db: Db, email: string) {
  const row = await db.selectFrom("users").selectAll().where("email_key", "in", emailLookups(email)).orderBy("id").executeTakeFirst();
  return row && { ...row, email: open(row.email, "email") };
}

export async function findUserById(db: Db, id: number) {
  const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row && { ...row, email: open(row.email, "email") };
}

/** The account of an address, made if there is none (the address stored sealed, lowercased). */
export async function upsertUser(db: Db, email: string): Promise<number> {
  const found = await db.selectFrom("users").select("id").where("email_key", "in", emailLookups(email)).orderBy("id").executeTakeFirst();
  if (found) return found.id;
  const row = await db
    .insertInto("users")
    .values({ email: seal(email.toLowerCase(), "email"), email_key: emailLookup(email) })
    // Made at the same moment by another transaction: that account.
    .onConflict((oc) => oc.column("email_key").doUpdateSet({ email_key: (eb) => eb.ref("excluded.email_key") }))
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function createOrganization(db: Db, name: string): Promise<number> {
  const row = await db.insertInto("organizations").values({ name }).returning("id").executeTakeFirstOrThrow();
  return row.id;
}

export async function setMembership(db: Db, organizationId: number, userId: number, role: Role) {
  await db
    .insertInto("memberships")
    .values({ organization_id: organizationId, user_id: userId, role })
    .onConflict((oc) => oc.columns(["organization_id", "user_id"]).doUpdateSet({ role }))
    .execute();
}

export async function removeMembership(db: Db, organizationId: number, userId: number) {
  await db.deleteFrom("memberships").where("organization_id", "=", organizationId).where("user_id", "=", userId).execute();
}

export async function membershipsOf(db: Db, userId: number) {
  return db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .select(["o.id", "o.name", "o.status", "m.role"])
    .where("m.user_id", "=", userId)
    .orderBy("o.name")
    .execute();
}

export async function roleIn(db: Db, organizationId: number, userId: number): Promise<Role | null> {
  const row = await db.selectFrom("memberships").select("role").where("organization_id", "=", organizationId).where("user_id", "=", userId).executeTakeFirst();
  return row?.role ?? null;
}

export async function membersOf(db: Db, organizationId: number) {
  const rows = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id", "u.email", "u.name", "m.role", "m.created_at"])
    .where("m.organization_id", "=", organizationId)
    .orderBy("m.created_at")
    .execute();
  return rows.map((r) => ({ ...r, email: open(r.email, "email") }));
}

export async function countOwners(db: Db, organizationId: number): Promise<number> {
  const row = await db
    .selectFrom("memberships")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("organization_id", "=", organizationId)
    .where("role", "=", "owner")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

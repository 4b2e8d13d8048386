import type { Kysely } from "kysely";
import type { Database, Role } from "../schema.js";

type Db = Kysely<Database>;

export async function findUserByEmail(db: Db, email: string) {
  return db.selectFrom("users").selectAll().where("email", "=", email.toLowerCase()).executeTakeFirst();
}

export async function findUserById(db: Db, id: number) {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function upsertUser(db: Db, email: string): Promise<number> {
  const row = await db
    .insertInto("users")
    .values({ email: email.toLowerCase() })
    .onConflict((oc) => oc.column("email").doUpdateSet({ email: (eb) => eb.ref("excluded.email") }))
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
    .select(["o.id", "o.name", "m.role"])
    .where("m.user_id", "=", userId)
    .orderBy("o.name")
    .execute();
}

export async function roleIn(db: Db, organizationId: number, userId: number): Promise<Role | null> {
  const row = await db.selectFrom("memberships").select("role").where("organization_id", "=", organizationId).where("user_id", "=", userId).executeTakeFirst();
  return row?.role ?? null;
}

export async function membersOf(db: Db, organizationId: number) {
  return db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id", "u.email", "u.name", "m.role", "m.created_at"])
    .where("m.organization_id", "=", organizationId)
    .orderBy("m.created_at")
    .execute();
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

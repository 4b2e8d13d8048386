import { getDb } from "../../db/client";
import type { Kysely } from "kysely";
import { countOwners, createOrganization, membersOf, removeMembership, roleIn, setMembership, upsertUser } from "../../db/queries/organizations";
import { enqueueMail } from "../../db/queries/outbox";
import type { Database, Role } from "../../db/schema";
import { inviteEmail } from "../../emails/organizer";
import type { UiLang } from "../i18n";
import { env } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { requireRole } from "./access.server";

/** Creates an organization with its first owner (used by `npm run org:create` and the seed). */
export async function createOrganizationWithOwner(name: string, ownerEmail: string) {
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const organizationId = await createOrganization(trx, name);
      const userId = await upsertUser(trx, ownerEmail);
      await setMembership(trx, organizationId, userId, "owner");
      return { organizationId, userId };
    });
}

export async function organizationPage(organizationId: number, userId: number) {
  const role = await requireRole(organizationId, userId, "member");
  const db = getDb();
  const organization = await db.selectFrom("organizations").select(["id", "name", "contact_email"]).where("id", "=", organizationId).executeTakeFirst();
  if (!organization) throw new AppError("not_found");
  // Addresses of members are shown to the organization's owners only.
  const members = (await membersOf(db, organizationId)).map((m) => ({ id: m.id, role: m.role, email: role === "owner" ? m.email : null, name: m.name }));
  return { organization, role, members };
}

/**
 * Membership changes of one organization run one at a time (the organization row is locked),
 * so two owners removing or demoting each other at once cannot leave it without an owner.
 */
async function lockOrganization(trx: Kysely<Database>, organizationId: number) {
  const row = await trx.selectFrom("organizations").select("name").where("id", "=", organizationId).forUpdate().executeTakeFirst();
  if (!row) throw new AppError("not_found");
  return row;
}

/** An owner adds someone by e-mail; they receive an invitation and sign in with that address. */
export async function inviteMember(organizationId: number, ownerId: number, email: string, role: Role, lang: UiLang) {
  await requireRole(organizationId, ownerId, "owner");
  const db = getDb();
  await db.transaction().execute(async (trx) => {
    const org = await lockOrganization(trx, organizationId);
    const userId = await upsertUser(trx, email);
    // Inviting an owner's address again as an editor would demote them: not the last owner.
    const current = await roleIn(trx, organizationId, userId);
    if (current === "owner" && role !== "owner" && (await countOwners(trx, organizationId)) <= 1) throw new AppError("conflict", "dash.lastOwner");
    await setMembership(trx, organizationId, userId, role);
    await enqueueMail(trx, { kind: "invite", to: email, ...inviteEmail(lang, org.name, `${env().APP_URL}/login`) });
  });
}

export async function removeMember(organizationId: number, ownerId: number, memberId: number) {
  await requireRole(organizationId, ownerId, "owner");
  const db = getDb();
  await db.transaction().execute(async (trx) => {
    await lockOrganization(trx, organizationId);
    const role = await roleIn(trx, organizationId, memberId);
    if (!role) return;
    if (role === "owner" && (await countOwners(trx, organizationId)) <= 1) throw new AppError("conflict", "dash.lastOwner");
    await removeMembership(trx, organizationId, memberId);
  });
}

/**
 * The organization's contact address: the Reply-To of its delivery e-mails, so an institution can
 * answer the organizers. Owners set it; letters cannot be sent without it.
 */
export async function setContactEmail(organizationId: number, ownerId: number, email: string) {
  await requireRole(organizationId, ownerId, "owner");
  await getDb().updateTable("organizations").set({ contact_email: email }).where("id", "=", organizationId).execute();
}

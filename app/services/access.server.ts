import { getDb } from "../../db/client";
import { findAppealById } from "../../db/queries/appeals";
import { roleIn } from "../../db/queries/organizations";
import type { Role } from "../../db/schema";
import { AppError } from "../utils/errors";

/**
 * The appeal, if `userId` is an owner or editor of its organization. Anyone else gets a 403,
 * and a missing appeal a 404 (a draft's existence is not hidden from organizers, only its content).
 */
export async function appealForMember(appealId: number, userId: number) {
  if (!Number.isSafeInteger(appealId) || appealId <= 0) throw new AppError("not_found");
  const db = getDb();
  const appeal = await findAppealById(db, appealId);
  if (!appeal) throw new AppError("not_found");
  const role = await roleIn(db, appeal.organization_id, userId);
  if (!role) throw new AppError("forbidden");
  return { appeal, role };
}

export async function requireRole(organizationId: number, userId: number, wanted: Role | "member"): Promise<Role> {
  const role = await roleIn(getDb(), organizationId, userId);
  if (!role || (wanted === "owner" && role !== "owner")) throw new AppError("forbidden");
  return role;
}

export async function isMemberOf(organizationId: number, userId: number): Promise<boolean> {
  return (await roleIn(getDb(), organizationId, userId)) !== null;
}

import { sql, type Kysely } from "kysely";
import { getDb } from "../../db/client";
import { enqueueMail } from "../../db/queries/outbox";
import { setMembership, upsertUser } from "../../db/queries/organizations";
import type { Database, OrganizationStatus } from "../../db/schema";
import { approvedEmail, registerEmail } from "../../emails/organizer";
import { isUiLang, type UiLang } from "../i18n";
import { env } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { hashesMatch, hashToken, isWellFormedToken, newToken } from "../utils/tokens.server";
import { loginAllowance, type LoginAllowance } from "./abuse.server";
import { open, seal } from "./data-key.server";

/**
 * Organizations registering themselves (issue 17 item 6). ORG_REGISTRATION says whether they may:
 * "closed" (the default: only `npm run org:create`), "approval" or "open". The form asks for the
 * organization's name, its owner's address and a short description; the owner gets a one-time
 * link (random, stored as its SHA-256, expiring, used once — as sign-in links) and, opening it,
 * is signed in as the owner of the new organization: active with "open", pending with "approval"
 * until the operator approves it (`npm run org:approve`). A pending organization prepares
 * appeals but cannot publish them.
 *
 * The form answers alike whatever the address (an organizer's or not): nothing says who is
 * registered already. Requests count against the sign-in limits (loginAllowance): both send
 * mail to an address on a stranger's request, and one budget per address and per client covers both.
 */
export type RegistrationMode = "closed" | "approval" | "open";
export const REGISTER_TOKEN_MINUTES = 60;

export function registrationMode(): RegistrationMode {
  return env().ORG_REGISTRATION;
}

/** 404 while registration is closed: the page does not exist on such a site. */
export function requireRegistrationOpen(): Exclude<RegistrationMode, "closed"> {
  const mode = registrationMode();
  if (mode === "closed") throw new AppError("not_found");
  return mode;
}

export interface RegistrationInput {
  name: string;
  email: string;
  description: string | null;
}

/** Stores the registration and e-mails its link, within the sign-in limits. */
export async function requestRegistration(input: RegistrationInput, lang: UiLang, clientIp = ""): Promise<LoginAllowance> {
  requireRegistrationOpen();
  const allowance = await loginAllowance(input.email, clientIp);
  if (!allowance.ok) return allowance;
  const { token, hash } = newToken();
  await getDb()
    .transaction()
    .execute(async (trx) => {
      await trx
        .insertInto("org_registrations")
        .values({
          name: input.name,
          description: input.description,
          email: seal(input.email, "email"),
          lang,
          token_hash: hash,
          expires_at: sql<Date>`now() + make_interval(mins => ${REGISTER_TOKEN_MINUTES})`,
        })
        .execute();
      const content = registerEmail(lang, input.name, `${env().APP_URL}/register/t/${token}`);
      // Kind "login": it is a sign-in link, sent as soon as sign-in links are.
      await enqueueMail(trx, { kind: "login", to: input.email, ...content });
    });
  return allowance;
}

export type RegistrationCheck = "valid" | "invalid" | "expired" | "used";

async function findRegistration(db: Kysely<Database>, token: string, lock = false) {
  if (!isWellFormedToken(token)) return null;
  const hash = hashToken(token);
  let query = db
    .selectFrom("org_registrations")
    .select(["id", "token_hash", "name", "description", "email", "lang", "used_at", sql<boolean>`expires_at < now()`.as("expired")])
    .where("token_hash", "=", hash);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row || !hashesMatch(row.token_hash, hash)) return null;
  return row;
}

/** What the link page shows before its button is pressed (nothing is consumed). */
export async function checkRegistrationToken(token: string): Promise<RegistrationCheck> {
  requireRegistrationOpen();
  const row = await findRegistration(getDb(), token);
  if (!row) return "invalid";
  if (row.used_at) return "used";
  if (row.expired || row.email === null) return "expired";
  return "valid";
}

export type RegistrationResult =
  { ok: true; userId: number; organizationId: number; status: OrganizationStatus } | { ok: false; reason: Exclude<RegistrationCheck, "valid"> };

/**
 * Uses the link (once): makes the organization (active, or pending under "approval"), the owner's
 * account if there is none, and the membership; erases the address from the registration.
 */
export async function completeRegistration(token: string): Promise<RegistrationResult> {
  const mode = requireRegistrationOpen();
  const result = await getDb()
    .transaction()
    .execute(async (trx): Promise<RegistrationResult> => {
      const row = await findRegistration(trx, token, true);
      if (!row) return { ok: false, reason: "invalid" };
      if (row.used_at) return { ok: false, reason: "used" };
      if (row.expired || row.email === null) return { ok: false, reason: "expired" };
      const status: OrganizationStatus = mode === "open" ? "active" : "pending";
      const organization = await trx
        .insertInto("organizations")
        .values({
          name: row.name,
          description: row.description,
          status,
          registered_lang: row.lang,
          approved_at: status === "active" ? sql<Date>`now()` : null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const userId = await upsertUser(trx, open(row.email, "email"));
      await setMembership(trx, organization.id, userId, "owner");
      await trx
        .updateTable("org_registrations")
        .set({ used_at: sql`now()`, email: null, name: "", description: null })
        .where("id", "=", row.id)
        .execute();
      return { ok: true, userId, organizationId: organization.id, status };
    });
  // The operator's cue (no name, no address: the log is not a place for them).
  if (result.ok && result.status === "pending") console.log(`organization #${result.organizationId} registered and waits for approval: npm run org:approve`);
  return result;
}

/** Addresses of links that expired unused are erased at once; the rows go a day later (the scheduler). */
export async function purgeRegistrations(): Promise<void> {
  const db = getDb();
  await db
    .updateTable("org_registrations")
    .set({ email: null, name: "", description: null })
    .where("email", "is not", null)
    .where(sql<boolean>`expires_at < now()`)
    .execute();
  await db
    .deleteFrom("org_registrations")
    .where(sql<boolean>`expires_at < now() - interval '1 day'`)
    .execute();
}

/** Whether an organization may publish: a pending one waits for the operator. */
export async function assertMayPublish(db: Kysely<Database>, organizationId: number): Promise<void> {
  const row = await db.selectFrom("organizations").select("status").where("id", "=", organizationId).executeTakeFirst();
  if (row?.status === "pending") throw new AppError("conflict", "register.pendingPublish");
}

/** Organizations waiting for approval, oldest first (`npm run org:approve`; names and descriptions, no addresses). */
export async function pendingOrganizations() {
  return getDb()
    .selectFrom("organizations as o")
    .select(["o.id", "o.name", "o.description", "o.created_at"])
    .where("o.status", "=", "pending")
    .orderBy("o.id")
    .execute();
}

/**
 * The operator approves a pending organization: it may publish from now on, and its owners
 * are told by e-mail in the language they registered in. Returns false if it was not pending.
 */
export async function approveOrganization(organizationId: number): Promise<boolean> {
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const org = await trx
        .updateTable("organizations")
        .set({ status: "active", approved_at: sql`now()` })
        .where("id", "=", organizationId)
        .where("status", "=", "pending")
        .returning(["id", "name", "registered_lang"])
        .executeTakeFirst();
      if (!org) return false;
      const owners = await trx
        .selectFrom("memberships as m")
        .innerJoin("users as u", "u.id", "m.user_id")
        .select("u.email")
        .where("m.organization_id", "=", org.id)
        .where("m.role", "=", "owner")
        .execute();
      const lang: UiLang = isUiLang(org.registered_lang) ? org.registered_lang : "en";
      for (const owner of owners) {
        await enqueueMail(trx, { kind: "invite", to: open(owner.email, "email"), ...approvedEmail(lang, org.name, `${env().APP_URL}/login`) });
      }
      return true;
    });
}

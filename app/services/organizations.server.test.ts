import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { newOrganization, uniqueEmail } from "../../tests/fixtures/organizers";
import { findUserByEmail, roleIn } from "../../db/queries/organizations";
import { AppError } from "../utils/errors";
import { inviteMember, organizationPage, removeMember } from "./organizations.server";
import { mailsTo } from "../../tests/fixtures/outbox";
import { sql } from "kysely";
import { emailLookup, sealedKeyId } from "./data-key.server";

const run = promisify(execFile);

async function expectAppError(promise: Promise<unknown>, code: AppError["code"], message?: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  if (error instanceof AppError) {
    expect(error.code).toBe(code);
    if (message) expect(error.message).toBe(message);
  }
}

describe("organizations and members", () => {
  it("an owner invites a member by e-mail: the member is added and receives an invitation in the owner's language", async () => {
    const org = await newOrganization("Human Rights Coalition");
    const invited = uniqueEmail("Editor");
    await inviteMember(org.organizationId, org.userId, invited.toLowerCase(), "editor", "ru");
    const user = await findUserByEmail(getDb(), invited);
    expect(user).toBeDefined();
    expect(await roleIn(getDb(), org.organizationId, user!.id)).toBe("editor");
    const [mail] = await mailsTo(invited.toLowerCase());
    if (!mail) throw new Error("no invitation mail");
    expect(mail.kind).toBe("invite");
    expect(mail.subject).toContain("Human Rights Coalition");
    expect(mail.text).toContain("/login");
  });

  it("an account's address is stored sealed, found by its look-up hash in any case, and shown opened to owners", async () => {
    const org = await newOrganization("Sealed Accounts");
    const invited = uniqueEmail("Sealed-Editor");
    await inviteMember(org.organizationId, org.userId, invited, "editor", "en");
    // The same address again, in another case: the same account.
    await inviteMember(org.organizationId, org.userId, invited.toUpperCase(), "editor", "en");
    const user = await findUserByEmail(getDb(), invited.toUpperCase());
    expect(user?.email).toBe(invited.toLowerCase());
    const stored = await getDb().selectFrom("users").select(["email", "email_key"]).where("id", "=", user!.id).executeTakeFirstOrThrow();
    expect(sealedKeyId(stored.email)).not.toBeNull();
    expect(stored.email_key).toBe(emailLookup(invited));
    expect(await getDb().selectFrom("users").select("id").where("email_key", "=", emailLookup(invited)).execute()).toHaveLength(1);
    const dump = (await sql<{ row: string }>`select u::text as row from users u`.execute(getDb())).rows.map((r) => r.row).join("\n");
    for (const address of [invited, org.email]) expect(dump.toLowerCase()).not.toContain(address.toLowerCase());

    const page = await organizationPage(org.organizationId, org.userId);
    expect(page.members.map((m) => m.email)).toEqual([org.email, invited.toLowerCase()]);
    expect(await mailsTo(invited.toUpperCase())).toHaveLength(1);
  });

  it("only owners invite and remove; editors and outsiders get forbidden", async () => {
    const org = await newOrganization();
    const editor = uniqueEmail("editor");
    await inviteMember(org.organizationId, org.userId, editor, "editor", "en");
    const editorId = (await findUserByEmail(getDb(), editor))!.id;
    const other = await newOrganization("Other NGO");

    await expectAppError(inviteMember(org.organizationId, editorId, uniqueEmail("x"), "editor", "en"), "forbidden");
    await expectAppError(removeMember(org.organizationId, editorId, org.userId), "forbidden");
    await expectAppError(inviteMember(org.organizationId, other.userId, uniqueEmail("x"), "owner", "en"), "forbidden");
    await expectAppError(organizationPage(org.organizationId, other.userId), "forbidden");

    // An editor sees the members but not their addresses; an owner sees the addresses.
    const asEditor = await organizationPage(org.organizationId, editorId);
    expect(asEditor.members.every((m) => m.email === null)).toBe(true);
    const asOwner = await organizationPage(org.organizationId, org.userId);
    expect(asOwner.members.map((m) => m.email).sort()).toEqual([editor, org.email].sort());
  });

  it("an owner removes a member, who then loses access", async () => {
    const org = await newOrganization();
    const editor = uniqueEmail("editor");
    await inviteMember(org.organizationId, org.userId, editor, "editor", "en");
    const editorId = (await findUserByEmail(getDb(), editor))!.id;
    await removeMember(org.organizationId, org.userId, editorId);
    expect(await roleIn(getDb(), org.organizationId, editorId)).toBeNull();
    await expectAppError(organizationPage(org.organizationId, editorId), "forbidden");
  });

  it("the last owner cannot be removed (nor removes themself); with a second owner it is allowed", async () => {
    const org = await newOrganization();
    await expectAppError(removeMember(org.organizationId, org.userId, org.userId), "conflict", "dash.lastOwner");
    expect(await roleIn(getDb(), org.organizationId, org.userId)).toBe("owner");

    const second = uniqueEmail("second-owner");
    await inviteMember(org.organizationId, org.userId, second, "owner", "en");
    const secondId = (await findUserByEmail(getDb(), second))!.id;
    await removeMember(org.organizationId, secondId, org.userId);
    expect(await roleIn(getDb(), org.organizationId, org.userId)).toBeNull();
    await expectAppError(removeMember(org.organizationId, secondId, secondId), "conflict", "dash.lastOwner");
  });

  it("the last owner cannot be demoted to editor by inviting their address again", async () => {
    const org = await newOrganization();
    await expectAppError(inviteMember(org.organizationId, org.userId, org.email, "editor", "en"), "conflict", "dash.lastOwner");
    expect(await roleIn(getDb(), org.organizationId, org.userId)).toBe("owner");
  });

  it("two owners removing each other at the same moment leave one owner", async () => {
    for (let round = 0; round < 8; round++) {
      const org = await newOrganization();
      const second = uniqueEmail("second-owner");
      await inviteMember(org.organizationId, org.userId, second, "owner", "en");
      const secondId = (await findUserByEmail(getDb(), second))!.id;
      const results = await Promise.allSettled([
        removeMember(org.organizationId, org.userId, secondId),
        removeMember(org.organizationId, secondId, org.userId),
      ]);
      const owners = await getDb()
        .selectFrom("memberships")
        .select("user_id")
        .where("organization_id", "=", org.organizationId)
        .where("role", "=", "owner")
        .execute();
      expect(owners).toHaveLength(1);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    }
  });
});

describe("npm run org:create", () => {
  const cli = (args: string[]) =>
    run("npm", ["run", "--silent", "org:create", "--", ...args], {
      env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL, NODE_ENV: "test" },
      timeout: 60_000,
    });

  it("creates an organization with its owner, who can then sign in", async () => {
    const owner = uniqueEmail("Cli-Owner");
    const { stdout } = await cli(["--name", "Коалиция «Свобода»", "--owner", owner]);
    expect(stdout).toMatch(/Created organization #\d+ "Коалиция «Свобода»"/);
    expect(stdout).not.toContain(owner); // the address is not echoed

    const org = await getDb().selectFrom("organizations").select("id").where("name", "=", "Коалиция «Свобода»").executeTakeFirstOrThrow();
    const user = await findUserByEmail(getDb(), owner);
    expect(user?.email).toBe(owner.toLowerCase());
    expect(await roleIn(getDb(), org.id, user!.id)).toBe("owner");
  }, 60_000);

  it("refuses a missing name or a bad address with its usage line and exit code 2", async () => {
    for (const args of [
      ["--owner", uniqueEmail("x")],
      ["--name", "X", "--owner", "not-an-address"],
      ["--name", "Coalition\r\nSign in at https://evil.example", "--owner", uniqueEmail("y")],
    ]) {
      const failure = await cli(args).then(
        () => null,
        (e: { code?: number; stderr?: string }) => e,
      );
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toContain('Usage: npm run org:create -- --name "Organization name" --owner owner@example.org');
    }
  }, 60_000);
});

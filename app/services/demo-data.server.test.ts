import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { findAppealBySlug } from "../../db/queries/appeals";
import { findUserByEmail, roleIn } from "../../db/queries/organizations";
import { emailLookups } from "./data-key.server";
import { DEMO_ORGANIZER, DEMO_SLUG, seedDemo } from "./demo-data.server";
import { apiAppeal, publicAppeal } from "./public-appeal.server";

const run = promisify(execFile);

describe("npm run db:seed", () => {
  it("loads the demo organization, organizer@example.org and the published demo-appeal (ru original, en and kk, two addressees); a second run changes nothing", async () => {
    const { stdout } = await run("npm", ["run", "--silent", "db:seed"], { env: { ...process.env, NODE_ENV: "test" }, timeout: 60_000 });
    expect(stdout).toContain("Demo data loaded: /appeals/demo-appeal");

    const appeal = await findAppealBySlug(getDb(), DEMO_SLUG);
    expect(appeal).toMatchObject({ status: "published", original_language: "ru", current_revision: 1 });
    const organizer = await findUserByEmail(getDb(), DEMO_ORGANIZER);
    expect(DEMO_ORGANIZER).toBe("organizer@example.org");
    expect(await roleIn(getDb(), appeal!.organization_id, organizer!.id)).toBe("owner");
    const organization = await getDb().selectFrom("organizations").select("name").where("id", "=", appeal!.organization_id).executeTakeFirstOrThrow();
    expect(organization.name).toMatch(/demo/i);

    const api = await apiAppeal(DEMO_SLUG);
    expect(api?.languages).toEqual(["ru", "en", "kk"]);
    expect(api?.addressees).toHaveLength(2);
    expect(api?.versions.en?.title).toBe("Stop the persecution of independent journalists");
    const kk = await publicAppeal(DEMO_SLUG, "kk", "kk");
    expect(kk).toMatchObject({ title: "Тәуелсіз журналистерді қудалауды тоқтатыңыз", isTranslation: true });

    const again = await run("npm", ["run", "--silent", "db:seed"], { env: { ...process.env, NODE_ENV: "test" }, timeout: 60_000 });
    expect(again.stdout).toContain("Demo data already present");
    expect(await seedDemo()).toBe(false);
    const appeals = await getDb().selectFrom("appeals").select("id").where("slug", "=", DEMO_SLUG).execute();
    expect(appeals).toHaveLength(1);
    const users = await getDb().selectFrom("users").select("id").where("email_key", "in", emailLookups(DEMO_ORGANIZER)).execute();
    expect(users).toHaveLength(1);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { SIGN_LIMITS } from "../../app/schemas/sign";
import { getDb } from "../../db/client";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, type Harness } from "./support/harness";

/**
 * The sign form stops a person typing where the server's schema would refuse: every text field of
 * the public appeal page carries maxlength = the schema's limit (SIGN_LIMITS in app/schemas/sign.ts),
 * and a signature with every field at that length is taken.
 */
describe("sign form limits", () => {
  let h: Harness;
  let slug = "";

  beforeAll(async () => {
    h = await startHarness();
    const owner = await newOrganization("Limits");
    const appeal = await publishedAppeal(owner);
    slug = appeal.slug;
    await getDb()
      .updateTable("appeals")
      .set({ field_city: "optional", field_organization: "optional", field_position: "optional" })
      .where("id", "=", appeal.id)
      .execute();
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it("each field's maxlength is the schema's limit, and values that long are accepted", async () => {
    const page = await (await fetch(`${h.url}/appeals/${slug}`)).text();
    for (const [field, max] of Object.entries(SIGN_LIMITS)) {
      const input = page.match(new RegExp(`<input[^>]*name="${field}"[^>]*>`))?.[0];
      expect(input, `an input named ${field}`).toBeTruthy();
      expect(input, field).toMatch(new RegExp(`maxLength="${max}"`, "i"));
    }

    const email = uniqueEmail("l");
    const long = { name: "n".repeat(SIGN_LIMITS.name), email: `${"e".repeat(SIGN_LIMITS.email - email.length)}${email}` };
    const extra = { city: "c".repeat(SIGN_LIMITS.city), organization: "o".repeat(SIGN_LIMITS.organization), position: "p".repeat(SIGN_LIMITS.position) };
    const res = await fetch(`${h.url}/appeals/${slug}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: h.url },
      body: signForm({ ...long, extra }),
      redirect: "manual",
    });
    expect(
      res.status,
      await res
        .clone()
        .text()
        .then((t) => t.slice(0, 300)),
    ).toBe(303);
  });
});

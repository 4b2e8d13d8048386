import { describe, expect, it } from "vitest";
import { addSigners, publishedAppeal, signerAddress } from "../../tests/fixtures/campaign";
import { getDb } from "../../tests/setup/vitest-db";
import { createAppeal, saveSettings } from "./appeals.server";

/**
 * The minimal-data preset in the appeal's settings (issue 14 point 2): turned on after people
 * signed, it erases at once what it would not have kept; once published it cannot be turned off
 * (people signed under it); a draft may still drop it.
 */
const SETTINGS = {
  goal: null,
  closesAt: null,
  fields: { city: "optional", country: "optional", organization: "off", position: "off" },
  showPublicList: true,
} as const;

const rowsOf = (appealId: number) =>
  getDb().selectFrom("signatures").select(["name", "status", "email", "email_key", "ip_hash"]).where("appeal_id", "=", appealId).orderBy("id").execute();
const minimalOf = async (appealId: number) =>
  (await getDb().selectFrom("appeals").select("minimal_data").where("id", "=", appealId).executeTakeFirstOrThrow()).minimal_data;

describe("the minimal-data setting", () => {
  it("turned on after people signed: every IP hash goes, and the address of each confirmed signer not kept informed", async () => {
    const { owner, id } = await publishedAppeal();
    await addSigners(id, [
      { name: "Once", email: signerAddress(), ipHash: "h1" },
      { name: "Kept", email: signerAddress(), ipHash: "h2", keepInformed: true },
      { name: "Pending", email: signerAddress(), ipHash: "h3", status: "pending" },
    ]);
    await saveSettings(id, owner.userId, { ...SETTINGS, minimalData: true });
    expect(await minimalOf(id)).toBe(true);
    const rows = await rowsOf(id);
    expect(rows.map((r) => [r.name, r.email === null, r.email_key === null, r.ip_hash])).toEqual([
      ["Once", true, false, null],
      ["Kept", false, false, null],
      // Not confirmed yet: it needs its address for the confirmation; confirming erases it.
      ["Pending", false, false, null],
    ]);

    // Published: a form without the box leaves it on.
    await saveSettings(id, owner.userId, { ...SETTINGS, minimalData: false });
    expect(await minimalOf(id)).toBe(true);
  });

  it("a draft can be created with it and still drop it", async () => {
    const { owner } = await publishedAppeal();
    const id = await createAppeal(owner.userId, {
      organizationId: owner.organizationId,
      slug: `md-${Date.now()}`,
      originalLanguage: "en",
      title: "T",
      minimalData: true,
    });
    expect(await minimalOf(id)).toBe(true);
    await saveSettings(id, owner.userId, { ...SETTINGS, minimalData: false });
    expect(await minimalOf(id)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { answered, post, slugOf } from "../../tests/fixtures/forms";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { getDb } from "../../tests/setup/vitest-db";
import { addAddressee, createAppeal, publish, saveVersion } from "../services/appeals.server";
import { signIntent } from "../utils/intent.server";
import { action as overviewAction } from "./dashboard.appeals.$id._index";
import { action as addresseesAction } from "./dashboard.appeals.$id.addressees";

/**
 * The dashboard's irreversible steps ask first, without JavaScript: the first POST changes
 * nothing and answers with a confirmation carrying a signed, short-lived intent; only the second
 * POST, with that intent, acts. And an addressee's letter language is chosen on their form.
 */
async function settle(promise: Promise<Response>): Promise<{ status: number; body: Record<string, unknown>; location: string | null }> {
  const response = await answered(promise);
  const text = response.status >= 300 && response.status < 400 ? "" : await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, location: response.headers.get("Location") };
}

async function appeal(published: boolean) {
  const owner = await newOrganization();
  const cookie = await sessionCookie(owner.userId);
  const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug: slugOf("confirm"), originalLanguage: "ru", title: "Заголовок" });
  await saveVersion(id, owner.userId, "ru", { title: "Заголовок", summary: "", body: "Текст" });
  await saveVersion(id, owner.userId, "en", { title: "Title", summary: "", body: "Text" });
  await addAddressee(id, owner.userId, null, { ru: { name: "Министр", position: "", institution: "" } });
  if (published) await publish(id, owner.userId);
  const overview = (fields: Record<string, string>) =>
    settle(overviewAction({ request: post(`/dashboard/appeals/${id}?index`, cookie, fields), params: { id: String(id) }, context: {} }));
  return { owner, cookie, id, overview };
}

const statusOf = async (id: number) => (await getDb().selectFrom("appeals").select("status").where("id", "=", id).executeTakeFirst())?.status ?? "gone";

describe("closing signing", () => {
  it("the first click only asks; the confirmation closes; a forged, stale or other appeal's confirmation does nothing", async () => {
    const { owner, id, overview } = await appeal(true);
    const ask = await overview({ _intent: "close" });
    expect(ask.status).toBe(200);
    expect(ask.body).toMatchObject({ confirm: "close" });
    expect(typeof ask.body.token).toBe("string");
    expect(await statusOf(id)).toBe("published");

    const other = await appeal(true);
    const otherToken = String((await other.overview({ _intent: "close" })).body.token);
    const stale = signIntent({ action: "close", appealId: id, userId: owner.userId, data: [] }, Date.now() - 11 * 60_000);
    const wrongAction = signIntent({ action: "delete", appealId: id, userId: owner.userId, data: [] });
    for (const token of ["", "forged.token", stale, otherToken, wrongAction]) {
      const refused = await overview({ _intent: "closeConfirmed", token });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ errors: { _form: "delivery.expired" } });
    }
    expect(await statusOf(id)).toBe("published");

    const done = await overview({ _intent: "closeConfirmed", token: String(ask.body.token) });
    expect(done.status).toBe(200);
    expect(await statusOf(id)).toBe("closed");
    expect(await statusOf(other.id)).toBe("published");
  });
});

describe("deleting a draft", () => {
  it("the first click only asks; the confirmation deletes and goes back to the dashboard", async () => {
    const { id, overview } = await appeal(false);
    const ask = await overview({ _intent: "delete" });
    expect(ask.status).toBe(200);
    expect(ask.body).toMatchObject({ confirm: "delete" });
    expect(await statusOf(id)).toBe("draft");
    expect((await overview({ _intent: "deleteConfirmed" })).status).toBe(409);
    expect(await statusOf(id)).toBe("draft");
    const done = await overview({ _intent: "deleteConfirmed", token: String(ask.body.token) });
    expect(done.status).toBe(302);
    expect(done.location).toBe("/dashboard");
    expect(await statusOf(id)).toBe("gone");
  });

  it("someone outside the organization gets 403 and no confirmation", async () => {
    const { id } = await appeal(false);
    const stranger = await sessionCookie((await newOrganization()).userId);
    const result = await settle(
      overviewAction({ request: post(`/dashboard/appeals/${id}?index`, stranger, { _intent: "delete" }), params: { id: String(id) }, context: {} }),
    );
    expect(result.status).toBe(403);
  });
});

describe("an addressee's letter language", () => {
  it("defaults to the original's, is chosen among the appeal's languages, and is validated", async () => {
    const { owner, cookie, id } = await appeal(false);
    const send = (fields: Record<string, string>) =>
      settle(addresseesAction({ request: post(`/dashboard/appeals/${id}/addressees`, cookie, fields), params: { id: String(id) }, context: {} }));
    const rows = () => getDb().selectFrom("addressees").select(["id", "letter_language"]).where("appeal_id", "=", id).orderBy("id").execute();
    expect((await rows()).map((r) => r.letter_language)).toEqual(["ru"]);

    expect(
      (await send({ _intent: "add", "name.ru": "Председатель", "name.en": "President", email: "ep@parliament.example", letterLanguage: "en" })).status,
    ).toBe(200);
    const [, added] = await rows();
    expect(added!.letter_language).toBe("en");

    const bad = await send({ _intent: "edit", addresseeId: String(added!.id), "name.ru": "Председатель", letterLanguage: "kk" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: { letterLanguage: "letters.unknownLang" } });
    expect((await rows())[1]!.letter_language).toBe("en");

    expect((await send({ _intent: "edit", addresseeId: String(added!.id), "name.ru": "Председатель", letterLanguage: "ru" })).status).toBe(200);
    expect((await rows())[1]!.letter_language).toBe("ru");
    // Without the field (an old form): the original's.
    expect((await send({ _intent: "add", "name.ru": "Ещё один" })).status).toBe(200);
    expect((await rows())[2]!.letter_language).toBe("ru");
    expect(owner.userId).toBeGreaterThan(0);
  });
});

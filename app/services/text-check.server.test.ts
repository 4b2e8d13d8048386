import { beforeAll, describe, expect, it } from "vitest";
import { newOrganization } from "../../tests/fixtures/organizers";
import { getDb } from "../../tests/setup/vitest-db";
import { parseEnv, setEnv } from "../utils/env.server";
import { addAddressee, closeAppeal, editAddressee, createAppeal, publish, saveVersion } from "./appeals.server";
import { findReplacementCharacters } from "./text-check.server";
import { publishUpdate } from "./updates.server";

/**
 * Texts that hold U+FFFD (left by the NUL bytes React once streamed into ru/kk editor pages) are
 * found wherever organizers must correct them: the working copy, the current published revision,
 * the addressees; sent updates and closed appeals are listed as beyond correction. A correction
 * published as a new revision clears the appeal.
 */
const BROKEN = "Құрметті Төраға ханым! Біз сізге \uFFFDжазып отырмыз.";

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, APP_URL: "https://appeals.example", SMTP_URL: "" }));
});

async function appealWithBrokenText() {
  const owner = await newOrganization("Таза ауа");
  const slug = `fffd-${Math.random().toString(36).slice(2, 8)}`;
  const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "kk", title: "Ашық хат" });
  await saveVersion(id, owner.userId, "kk", { title: "Ашық хат", summary: "Қысқаша", body: BROKEN });
  await saveVersion(id, owner.userId, "en", { title: "Open letter", summary: "In short", body: "Dear Madam President," });
  await addAddressee(id, owner.userId, null, {
    kk: { name: "Төраға", position: "Төраға", institution: "Парламент" },
    en: { name: "President", position: "President", institution: "Parliament" },
  });
  await addAddressee(id, owner.userId, null, {
    kk: { name: "Комиссар", position: "Жоғарғы комиссар\uFFFD", institution: "БҰҰ" },
    en: { name: "Commissioner", position: "High Commissioner", institution: "UN" },
  });
  return { owner, id, slug };
}

describe("findReplacementCharacters", () => {
  it("finds U+FFFD in the working copy, the published revision and an addressee, by language and field", async () => {
    const { owner, id, slug } = await appealWithBrokenText();
    await publish(id, owner.userId, {});
    const found = await findReplacementCharacters({ appealId: id });
    const places = found.map((f) => `${f.source}:${f.ref ?? "-"}:${f.lang}:${f.field}:${f.correctable}`);
    expect(places).toEqual(["text:-:kk:body:true", "revision:1:kk:body:true", "revision:1:kk:position:true", "addressee:2:kk:position:true"]);
    expect(found.every((f) => f.slug === slug && f.appealId === id && f.status === "published")).toBe(true);
    // Other appeals are not reported under this one, and the whole-instance search includes it.
    expect((await findReplacementCharacters()).filter((f) => f.appealId === id)).toEqual(found);
  });

  it("a corrected text published as a new revision clears the appeal", async () => {
    const { owner, id } = await appealWithBrokenText();
    await publish(id, owner.userId, {});
    await saveVersion(id, owner.userId, "kk", { title: "Ашық хат", summary: "Қысқаша", body: BROKEN.replace("\uFFFD", "") });
    // Saved but not yet published: the published revision still holds it.
    expect((await findReplacementCharacters({ appealId: id })).map((f) => f.source)).toEqual(["revision", "revision", "addressee"]);
    const [, second] = await getDb().selectFrom("addressees").select("id").where("appeal_id", "=", id).orderBy("position").execute();
    await editAddressee(id, owner.userId, second!.id, null, {
      kk: { name: "Комиссар", position: "Жоғарғы комиссар", institution: "БҰҰ" },
      en: { name: "Commissioner", position: "High Commissioner", institution: "UN" },
    });
    // The English translation was not updated after the original's fix: confirmed as it is.
    await publish(id, owner.userId, { changeNote: "Түзету", confirmStale: ["en"] });
    expect(await findReplacementCharacters({ appealId: id })).toEqual([]);
  });

  it("sent updates and closed appeals are listed as beyond correction", async () => {
    const { owner, id } = await appealWithBrokenText();
    await publish(id, owner.userId, {});
    await publishUpdate(id, owner.userId, { kind: "update", content: { kk: { title: "Жаңалық", body: "Хат \uFFFD жолда." } } });
    const update = (await findReplacementCharacters({ appealId: id })).find((f) => f.source === "update");
    expect(update).toMatchObject({ ref: 1, lang: "kk", field: "body", correctable: false });
    await closeAppeal(id, owner.userId);
    const closed = await findReplacementCharacters({ appealId: id });
    expect(closed.length).toBe(5);
    expect(closed.every((f) => !f.correctable && f.status === "closed")).toBe(true);
  });

  it("an appeal without U+FFFD has no findings", async () => {
    const owner = await newOrganization();
    const id = await createAppeal(owner.userId, {
      organizationId: owner.organizationId,
      slug: `clean-${Math.random().toString(36).slice(2, 8)}`,
      originalLanguage: "ru",
      title: "Открытое письмо",
    });
    expect(await findReplacementCharacters({ appealId: id })).toEqual([]);
  });
});

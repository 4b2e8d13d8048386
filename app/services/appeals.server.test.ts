import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { newOrganization, uniqueEmail } from "../../tests/fixtures/organizers";
import { findAppealById } from "../../db/queries/appeals";
import { findUserByEmail } from "../../db/queries/organizations";
import { parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import {
  addAddressee,
  closeAppeal,
  closeDueAppeals,
  createAppeal,
  deleteDraft,
  editAddressee,
  editorView,
  publish,
  type PublishProblem,
  removeAddressee,
  removeVersion,
  reorderAddressee,
  saveSettings,
  saveVersion,
  updateSlug,
} from "./appeals.server";
import { addAttachment } from "./attachments.server";
import { inviteMember } from "./organizations.server";
import { apiAppeal, effectiveStatus, pickLanguage, previewAppeal, publicAppeal } from "./public-appeal.server";

let dataDir: string;
beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-test-"));
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir, APP_URL: "https://appeals.example" }));
});
afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

const slugOf = (prefix: string) => `${prefix}-${crypto.randomBytes(3).toString("hex")}`;

const RU = { title: "Освободите журналистов", summary: "Коротко по-русски", body: "## Требования\n\n1. **Освободить** задержанных" };
const EN = { title: "Free the journalists", summary: "In short, in English", body: "## Demands\n\n1. **Release** those detained" };
const KK = { title: "Журналистерді босатыңыз", summary: "Қысқаша қазақша", body: "## Талаптар\n\n1. Ұсталғандарды **босату**" };

const FIELDS = { city: "optional", country: "optional", organization: "off", position: "off" } as const;

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

async function expectAppError(promise: Promise<unknown>, code: AppError["code"]) {
  const error = await errorOf(promise);
  expect(error).toBeInstanceOf(AppError);
  expect(error instanceof AppError ? error.code : null).toBe(code);
}

/** A draft in Russian with English and Kazakh versions and two addressees (one with a delivery address), ready to publish. */
async function readyDraft(owner: { organizationId: number; userId: number }, slug = slugOf("ready")) {
  const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "ru", title: RU.title });
  await saveVersion(id, owner.userId, "ru", RU);
  await saveVersion(id, owner.userId, "en", EN);
  await saveVersion(id, owner.userId, "kk", KK);
  await addAddressee(id, owner.userId, "president@parliament.example", {
    ru: { name: "Роберта Метсола", position: "Председатель", institution: "Европейский парламент" },
    en: { name: "Roberta Metsola", position: "President", institution: "European Parliament" },
    kk: { name: "Роберта Метсола", position: "Төраға", institution: "Еуропалық парламент" },
  });
  await addAddressee(id, owner.userId, null, {
    ru: { name: "Фолькер Тюрк", position: "Верховный комиссар", institution: "ООН" },
    en: { name: "Volker Türk", position: "High Commissioner", institution: "" },
    kk: { name: "", position: "", institution: "" },
  });
  return { id, slug };
}

describe("drafting", () => {
  it("creates a draft with its slug, original language and first version", async () => {
    const owner = await newOrganization();
    const slug = slugOf("draft");
    const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "ru", title: RU.title });
    const view = await editorView(id, owner.userId);
    expect(view.appeal).toMatchObject({ slug, original_language: "ru", status: "draft", current_revision: 0, organization_id: owner.organizationId });
    expect(view.versions).toEqual([{ appeal_id: id, lang: "ru", title: RU.title, summary: "", body: "" }]);
    expect(view.role).toBe("owner");
  });

  it("refuses a slug already in use, by any organization, as an error on the slug field", async () => {
    const a = await newOrganization();
    const b = await newOrganization();
    const slug = slugOf("clash");
    await createAppeal(a.userId, { organizationId: a.organizationId, slug, originalLanguage: "ru", title: "A" });
    const error = await errorOf(createAppeal(b.userId, { organizationId: b.organizationId, slug, originalLanguage: "en", title: "B" }));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "conflict", field: "slug", messageKey: "appeal.slugTaken" });
    const other = await createAppeal(a.userId, { organizationId: a.organizationId, slug: slugOf("other"), originalLanguage: "ru", title: "C" });
    expect(await errorOf(updateSlug(other, a.userId, slug))).toMatchObject({ field: "slug", messageKey: "appeal.slugTaken" });
  });

  it("two drafts created at once with the same slug: one wins, the other gets the slug error (not a crash)", async () => {
    const owner = await newOrganization();
    for (let round = 0; round < 4; round++) {
      const slug = slugOf("race");
      const results = await Promise.allSettled(
        [1, 2, 3, 4, 5, 6, 7, 8].map((n) => createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "ru", title: `T${n}` })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason).toMatchObject({ field: "slug", messageKey: "appeal.slugTaken" });
      }
    }
  });

  it("keeps language versions, addressees in order with per-language texts, and settings", async () => {
    const owner = await newOrganization();
    const { id } = await readyDraft(owner);
    const view = await editorView(id, owner.userId);
    expect(view.versions.map((v) => v.lang).sort()).toEqual(["en", "kk", "ru"]);
    expect(view.addressees.map((a) => a.translations.en?.name)).toEqual(["Roberta Metsola", "Volker Türk"]);
    expect(view.addressees[0]?.email).toBe("president@parliament.example");

    await reorderAddressee(id, owner.userId, view.addressees[1]!.id, -1);
    const reordered = await editorView(id, owner.userId);
    expect(reordered.addressees.map((a) => a.translations.en?.name)).toEqual(["Volker Türk", "Roberta Metsola"]);

    await editAddressee(id, owner.userId, reordered.addressees[0]!.id, null, {
      ...reordered.addressees[0]!.translations,
      kk: { name: "Фолькер Тюрк", position: "", institution: "" },
    });
    expect((await editorView(id, owner.userId)).addressees[0]?.translations.kk?.name).toBe("Фолькер Тюрк");

    await saveSettings(id, owner.userId, {
      goal: 500,
      closesAt: new Date("2099-05-01T23:59:59Z"),
      fields: { city: "required", country: "off", organization: "optional", position: "off" },
      showPublicList: false,
    });
    const appeal = await findAppealById(getDb(), id);
    expect(appeal).toMatchObject({
      goal: 500,
      field_city: "required",
      field_country: "off",
      field_organization: "optional",
      field_position: "off",
      show_public_list: false,
    });
    expect(new Date(appeal!.closes_at!).toISOString()).toBe("2099-05-01T23:59:59.000Z");

    await expectAppError(removeVersion(id, owner.userId, "ru"), "bad_request");
    await removeVersion(id, owner.userId, "kk");
    expect((await editorView(id, owner.userId)).versions.map((v) => v.lang).sort()).toEqual(["en", "ru"]);
  });

  it("a draft is private: no public page, no JSON; organizers see it in the preview", async () => {
    const owner = await newOrganization();
    const { id, slug } = await readyDraft(owner);
    expect(await publicAppeal(slug, undefined, "en")).toBeNull();
    expect(await apiAppeal(slug)).toBeNull();
    const appeal = (await findAppealById(getDb(), id))!;
    const preview = await previewAppeal(appeal, "en", "en");
    expect(preview).toMatchObject({ preview: true, acceptsSignatures: false, title: EN.title, isTranslation: true, status: "draft" });
  });

  it("a draft can be deleted, a published appeal cannot", async () => {
    const owner = await newOrganization();
    const first = await readyDraft(owner);
    await deleteDraft(first.id, owner.userId);
    expect(await findAppealById(getDb(), first.id)).toBeUndefined();
    const second = await readyDraft(owner);
    await publish(second.id, owner.userId);
    await expectAppError(deleteDraft(second.id, owner.userId), "bad_request");
  });
});

describe("publishing", () => {
  it("says precisely what is missing: each version's title and text, addressees, addressee names", async () => {
    const owner = await newOrganization();
    const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug: slugOf("early"), originalLanguage: "ru", title: RU.title });
    await saveVersion(id, owner.userId, "en", { title: "", summary: "", body: EN.body });
    await saveVersion(id, owner.userId, "kk", { title: KK.title, summary: "", body: "   " });

    const error = await errorOf(publish(id, owner.userId));
    expect(error).toMatchObject({ code: "blocked" });
    const problems = error instanceof AppError ? error.problems : [];
    const expected: PublishProblem[] = [
      { code: "missingTitle", lang: "en" },
      { code: "missingBody", lang: "kk" },
      { code: "missingBody", lang: "ru" },
      { code: "noAddressees" },
    ];
    expect(problems).toHaveLength(expected.length);
    expect(problems).toEqual(expect.arrayContaining(expected));

    await addAddressee(id, owner.userId, null, { ru: { name: "", position: "Министр", institution: "" } });
    await saveVersion(id, owner.userId, "ru", RU);
    await saveVersion(id, owner.userId, "en", EN);
    await saveVersion(id, owner.userId, "kk", KK);
    const second = await errorOf(publish(id, owner.userId));
    expect(second instanceof AppError && second.code === "blocked" ? second.problems : []).toEqual([{ code: "addresseeName", lang: "ru", index: 1 }]);

    expect((await findAppealById(getDb(), id))?.status).toBe("draft");
    expect(await getDb().selectFrom("appeal_revisions").select("number").where("appeal_id", "=", id).execute()).toEqual([]);
  });

  it("publishes revision 1 and shows the page in each language, with the original marked and the translation noted", async () => {
    const owner = await newOrganization("Coalition");
    const { id, slug } = await readyDraft(owner);
    expect(await publish(id, owner.userId, { baseRevision: 0 })).toBe(1);
    const appeal = (await findAppealById(getDb(), id))!;
    expect(appeal.status).toBe("published");
    expect(appeal.current_revision).toBe(1);
    expect(appeal.published_at).not.toBeNull();

    const ru = await publicAppeal(slug, "ru", "en");
    expect(ru).toMatchObject({
      lang: "ru",
      title: RU.title,
      summary: RU.summary,
      isTranslation: false,
      originalLanguage: "ru",
      languages: ["ru", "en", "kk"],
      organization: "Coalition",
      revision: 1,
      revisedAt: null,
      status: "published",
      acceptsSignatures: true,
    });
    expect(ru?.bodyHtml).toContain("<strong>Освободить</strong>");
    expect(ru?.addressees).toEqual([
      { name: "Роберта Метсола", position: "Председатель", institution: "Европейский парламент" },
      { name: "Фолькер Тюрк", position: "Верховный комиссар", institution: "ООН" },
    ]);
    const en = await publicAppeal(slug, "en", "ru");
    expect(en).toMatchObject({ lang: "en", title: EN.title, isTranslation: true });
    // An addressee text missing in a language falls back to the original's.
    expect(en?.addressees[1]).toEqual({ name: "Volker Türk", position: "High Commissioner", institution: "ООН" });
    const kk = await publicAppeal(slug, undefined, "kk");
    expect(kk).toMatchObject({ lang: "kk", title: KK.title, isTranslation: true });
    expect(kk?.addressees[1]?.name).toBe("Фолькер Тюрк");
    // A language the appeal has no version in: the original.
    expect(await publicAppeal(slug, "de", "de")).toMatchObject({ lang: "ru" });
  });

  it("never shows an addressee's delivery address on the page or in the JSON API", async () => {
    const owner = await newOrganization();
    const { id, slug } = await readyDraft(owner);
    await publish(id, owner.userId);
    for (const lang of ["ru", "en", "kk"]) expect(JSON.stringify(await publicAppeal(slug, lang, "en"))).not.toContain("parliament.example");
    const api = await apiAppeal(slug);
    expect(JSON.stringify(api)).not.toContain("parliament.example");
    expect(JSON.stringify(api)).not.toContain("email");
  });

  it("the JSON API has the documented shape", async () => {
    const owner = await newOrganization();
    const { id, slug } = await readyDraft(owner);
    await saveSettings(id, owner.userId, { goal: 1000, closesAt: new Date("2099-01-31T23:59:59Z"), fields: FIELDS, showPublicList: true });
    await publish(id, owner.userId);
    const api = await apiAppeal(slug);
    expect(api).toEqual({
      slug,
      status: "published",
      originalLanguage: "ru",
      languages: ["ru", "en", "kk"],
      versions: {
        ru: { title: RU.title, summary: RU.summary },
        en: { title: EN.title, summary: EN.summary },
        kk: { title: KK.title, summary: KK.summary },
      },
      addressees: [
        {
          ru: { name: "Роберта Метсола", position: "Председатель", institution: "Европейский парламент" },
          en: { name: "Roberta Metsola", position: "President", institution: "European Parliament" },
          kk: { name: "Роберта Метсола", position: "Төраға", institution: "Еуропалық парламент" },
        },
        {
          ru: { name: "Фолькер Тюрк", position: "Верховный комиссар", institution: "ООН" },
          en: { name: "Volker Türk", position: "High Commissioner", institution: "" },
          kk: { name: "", position: "", institution: "" },
        },
      ],
      goal: 1000,
      closesAt: "2099-01-31T23:59:59.000Z",
      revision: 1,
      signatures: { confirmed: 0 },
    });
    expect(await apiAppeal("no-such-appeal")).toBeNull();
  });

  it("renders Markdown with scripts and event handlers inert", async () => {
    const owner = await newOrganization();
    const { id, slug } = await readyDraft(owner);
    await saveVersion(id, owner.userId, "ru", {
      ...RU,
      body: 'Текст <script>alert("x")</script>\n\n<img src=x onerror="alert(1)">\n\n[ссылка](javascript:alert(1)) <a href="#" onclick="alert(1)">a</a>',
    });
    // The translations were saved against the original before this edit: published as they are.
    await publish(id, owner.userId, { confirmStale: ["en", "kk"] });
    const html = (await publicAppeal(slug, "ru", "ru"))!.bodyHtml;
    expect(html).not.toMatch(/<script|<img|<[^>]*\son\w+=|href="javascript/i);
    expect(html).toContain("&lt;script&gt;");
  });
});

describe("revisions: published text is frozen", () => {
  it("edits after publication change only the working copy; a correction publishes revision N+1 with a public note", async () => {
    const owner = await newOrganization();
    const { id, slug } = await readyDraft(owner);
    await publish(id, owner.userId);

    await saveVersion(id, owner.userId, "en", { ...EN, title: "Free the journalists now", baseRevision: 1 });
    await addAddressee(id, owner.userId, null, { ru: { name: "Новый адресат", position: "", institution: "" } });
    const stillOld = await publicAppeal(slug, "en", "en");
    expect(stillOld?.title).toBe(EN.title);
    expect(stillOld?.addressees).toHaveLength(2);

    // A correction needs its public note.
    expect(await errorOf(publish(id, owner.userId, { baseRevision: 1 }))).toMatchObject({ field: "changeNote", messageKey: "form.required" });
    expect(await errorOf(publish(id, owner.userId, { baseRevision: 1, changeNote: "   " }))).toMatchObject({ field: "changeNote" });

    expect(await publish(id, owner.userId, { baseRevision: 1, changeNote: "Заголовок уточнён" })).toBe(2);
    const revised = await publicAppeal(slug, "en", "en");
    expect(revised).toMatchObject({ title: "Free the journalists now", revision: 2 });
    expect(revised?.addressees).toHaveLength(3);
    expect(revised?.revisedAt).not.toBeNull();
    expect(revised?.changes).toEqual([{ number: 2, note: "Заголовок уточнён", date: revised?.revisedAt }]);
    expect((await apiAppeal(slug))?.revision).toBe(2);

    // Revision 1 is kept as it was published.
    const first = await getDb()
      .selectFrom("appeal_revisions")
      .select(["content", "change_note"])
      .where("appeal_id", "=", id)
      .where("number", "=", 1)
      .executeTakeFirstOrThrow();
    expect(first.content.versions.en?.title).toBe(EN.title);
    expect(first.content.addressees).toHaveLength(2);
    expect(first.change_note).toBe("");
  });

  it("a stale edit (made against an older revision) is refused with its own error and changes nothing", async () => {
    const owner = await newOrganization();
    const { id, slug } = await readyDraft(owner);
    await publish(id, owner.userId);
    await saveVersion(id, owner.userId, "ru", { ...RU, title: "Исправленный заголовок", baseRevision: 1 });
    await publish(id, owner.userId, { baseRevision: 1, changeNote: "Исправлен заголовок", confirmStale: ["en", "kk"] });

    const staleSave = await errorOf(saveVersion(id, owner.userId, "ru", { ...RU, title: "Старая правка", baseRevision: 1 }));
    expect(staleSave).toMatchObject({ code: "stale", currentRevision: 2 });
    await expectAppError(publish(id, owner.userId, { baseRevision: 1, changeNote: "Ещё раз" }), "stale");

    const view = await editorView(id, owner.userId);
    expect(view.versions.find((v) => v.lang === "ru")?.title).toBe("Исправленный заголовок");
    expect(view.appeal.current_revision).toBe(2);
    expect((await publicAppeal(slug, "ru", "ru"))?.title).toBe("Исправленный заголовок");

    // Against the current revision the same edit goes through.
    await saveVersion(id, owner.userId, "ru", { ...RU, title: "Новая правка", baseRevision: 2 });
    expect((await editorView(id, owner.userId)).versions.find((v) => v.lang === "ru")?.title).toBe("Новая правка");
  });

  it("a draft's edits are stale once someone else published it", async () => {
    const owner = await newOrganization();
    const { id } = await readyDraft(owner);
    await publish(id, owner.userId, { baseRevision: 0 });
    await expectAppError(saveVersion(id, owner.userId, "ru", { ...RU, baseRevision: 0 }), "stale");
    await expectAppError(publish(id, owner.userId, { baseRevision: 0 }), "stale");
  });

  it("the slug cannot change once published", async () => {
    const owner = await newOrganization();
    const { id } = await readyDraft(owner);
    await publish(id, owner.userId);
    await expectAppError(updateSlug(id, owner.userId, slugOf("moved")), "bad_request");
  });
});

describe("closing", () => {
  it("closing by hand stops signatures and shows the final count", async () => {
    const owner = await newOrganization();
    const { id, slug } = await readyDraft(owner);
    await expectAppError(closeAppeal(id, owner.userId), "bad_request"); // a draft is not open
    await publish(id, owner.userId);
    await getDb().updateTable("appeal_counts").set({ confirmed: 42 }).where("appeal_id", "=", id).execute();
    await closeAppeal(id, owner.userId);
    const appeal = (await findAppealById(getDb(), id))!;
    expect(appeal.status).toBe("closed");
    expect(appeal.closed_at).not.toBeNull();
    expect(await publicAppeal(slug, "ru", "ru")).toMatchObject({ status: "closed", acceptsSignatures: false, confirmed: 42 });
    expect((await apiAppeal(slug))?.status).toBe("closed");
    await expectAppError(closeAppeal(id, owner.userId), "bad_request");
    await expectAppError(publish(id, owner.userId, { changeNote: "x" }), "closed");
  });

  it("a passed closing date closes the appeal at once on the page, and closeDueAppeals records it", async () => {
    const owner = await newOrganization();
    const due = await readyDraft(owner);
    const later = await readyDraft(owner);
    await saveSettings(due.id, owner.userId, { goal: null, closesAt: new Date(Date.now() + 60_000), fields: FIELDS, showPublicList: true });
    await saveSettings(later.id, owner.userId, { goal: null, closesAt: new Date(Date.now() + 86_400_000), fields: FIELDS, showPublicList: true });
    await publish(due.id, owner.userId);
    await publish(later.id, owner.userId);
    expect((await publicAppeal(due.slug, "ru", "ru"))?.status).toBe("published");

    await getDb()
      .updateTable("appeals")
      .set({ closes_at: sql`now() - interval '1 minute'` })
      .where("id", "=", due.id)
      .execute();
    const stored = (await findAppealById(getDb(), due.id))!;
    expect(stored.status).toBe("published");
    expect(effectiveStatus(stored)).toBe("closed");
    expect(await publicAppeal(due.slug, "ru", "ru")).toMatchObject({ status: "closed", acceptsSignatures: false });
    expect((await apiAppeal(due.slug))?.status).toBe("closed");

    expect(await closeDueAppeals()).toBeGreaterThanOrEqual(1);
    const closed = (await findAppealById(getDb(), due.id))!;
    expect(closed.status).toBe("closed");
    expect(new Date(closed.closed_at!).getTime()).toBe(new Date(stored.closes_at!).getTime());
    expect((await findAppealById(getDb(), later.id))?.status).toBe("published");
  });

  it("effectiveStatus leaves everything but a due published appeal alone", () => {
    const past = new Date(Date.now() - 1000);
    expect(effectiveStatus({ status: "published", closes_at: null })).toBe("published");
    expect(effectiveStatus({ status: "published", closes_at: new Date(Date.now() + 60_000) })).toBe("published");
    expect(effectiveStatus({ status: "published", closes_at: past })).toBe("closed");
    expect(effectiveStatus({ status: "draft", closes_at: past })).toBe("draft");
    expect(effectiveStatus({ status: "delivered", closes_at: past })).toBe("delivered");
  });
});

describe("languages of the public page", () => {
  it("picks the version asked for, else the reader's language, else the original", () => {
    const langs = ["ru", "en", "kk"];
    expect(pickLanguage(langs, "ru", "kk", "en")).toBe("kk");
    expect(pickLanguage(langs, "ru", undefined, "en")).toBe("en");
    expect(pickLanguage(langs, "ru", "de", "de")).toBe("ru");
    expect(pickLanguage(["ru"], "ru", "en", "en")).toBe("ru");
  });
});

describe("authorization", () => {
  it("a member of another organization can neither see a draft nor change an appeal", async () => {
    const owner = await newOrganization("Owner NGO");
    const outsider = await newOrganization("Other NGO");
    const { id } = await readyDraft(owner);
    const u = outsider.userId;
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ["editorView", () => editorView(id, u)],
      ["saveVersion", () => saveVersion(id, u, "ru", RU)],
      ["removeVersion", () => removeVersion(id, u, "en")],
      ["updateSlug", () => updateSlug(id, u, slugOf("stolen"))],
      ["saveSettings", () => saveSettings(id, u, { goal: 1, closesAt: null, fields: FIELDS, showPublicList: false })],
      ["addAddressee", () => addAddressee(id, u, null, { ru: { name: "X", position: "", institution: "" } })],
      ["removeAddressee", () => removeAddressee(id, u, 1)],
      ["reorderAddressee", () => reorderAddressee(id, u, 1, 1)],
      ["publish", () => publish(id, u)],
      ["closeAppeal", () => closeAppeal(id, u)],
      ["deleteDraft", () => deleteDraft(id, u)],
      ["addAttachment", () => addAttachment(id, u, { lang: "ru", filename: "a.pdf", data: Buffer.from("%PDF-1.4\n%%EOF\n") })],
      [
        "createAppeal in their organization",
        () => createAppeal(u, { organizationId: owner.organizationId, slug: slugOf("intrude"), originalLanguage: "ru", title: "X" }),
      ],
    ];
    for (const [name, attempt] of attempts) {
      const error = await errorOf(attempt());
      expect(error instanceof AppError ? `${name}: ${error.code}` : `${name}: ${String(error)}`).toBe(`${name}: forbidden`);
    }
    const appeal = (await findAppealById(getDb(), id))!;
    expect(appeal.status).toBe("draft");
    expect(appeal.goal).toBeNull();
    expect((await editorView(id, owner.userId)).addressees).toHaveLength(2);
  });

  it("an unknown appeal is not found, whoever asks", async () => {
    const owner = await newOrganization();
    await expectAppError(editorView(999_999_999, owner.userId), "not_found");
    await expectAppError(editorView(Number.NaN, owner.userId), "not_found");
  });

  it("an invited editor works on the organization's appeals; once removed, no more", async () => {
    const owner = await newOrganization();
    const editorEmail = uniqueEmail("editor");
    await inviteMember(owner.organizationId, owner.userId, editorEmail, "editor", "en");
    const editorId = (await findUserByEmail(getDb(), editorEmail))!.id;
    const { id } = await readyDraft(owner);
    await saveVersion(id, editorId, "en", { ...EN, title: "Edited by the editor" });
    expect((await editorView(id, editorId)).role).toBe("editor");
    await getDb().deleteFrom("memberships").where("user_id", "=", editorId).execute();
    await expectAppError(saveVersion(id, editorId, "en", EN), "forbidden");
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { addSigners, publishedAppeal, TEXTS } from "../../tests/fixtures/campaign";
import { sessionCookie } from "../../tests/fixtures/organizers";
import { getDb } from "../../tests/setup/vitest-db";
import { action as overviewAction } from "../routes/dashboard.appeals.$id._index";
import { parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { editorView, publish, saveVersion } from "./appeals.server";
import { publicRevision, publicRevisionList, staleTranslations, textDiff } from "./revisions.server";

/**
 * "Read what was signed" (issue 17 item 5): the public revisions and their word diffs, computed
 * from the frozen revisions in a real PostgreSQL; stale translations and the publish confirmation.
 */

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, APP_URL: "https://appeals.example" }));
});

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

const RU2 = { ...TEXTS.ru, body: "## Мы требуем\n\nНемедленно освободить задержанных журналистов." };

describe("word diffs", () => {
  it("diffs Cyrillic prose by words, not by letters, and keeps what did not change", () => {
    expect(textDiff("Мы просим сохранить парк.", "Мы требуем сохранить весь парк.", "ru")).toEqual([
      { op: "same", text: "Мы " },
      { op: "del", text: "просим" },
      { op: "ins", text: "требуем" },
      { op: "same", text: " сохранить " },
      { op: "ins", text: "весь " },
      { op: "same", text: "парк." },
    ]);
    expect(textDiff("Біз әкімдікті шақырамыз", "Біз қалалық әкімдікті шақырамыз", "kk")).toEqual([
      { op: "same", text: "Біз " },
      { op: "ins", text: "қалалық " },
      { op: "same", text: "әкімдікті шақырамыз" },
    ]);
    expect(textDiff("Одинаково", "Одинаково", "ru")).toEqual([{ op: "same", text: "Одинаково" }]);
    expect(textDiff("", "", "ru")).toEqual([]);
    // Paragraph breaks survive in the parts (the page shows them with white-space: pre-wrap).
    const parts = textDiff("Первый.\n\nВторой.", "Первый.\n\nВторой изменён.", "ru");
    expect(parts.map((p) => p.text).join("")).toContain("\n\n");
  });
});

describe("public revisions", () => {
  it("lists every revision with its signatures, shows each as published with the diff from the one before, per language", async () => {
    const appeal = await publishedAppeal();
    const { owner, id, slug } = appeal;
    await addSigners(id, [{ name: "Айгерім Сейітқалиева" }, { name: "Иван Петров" }]);
    // Revision 2: the Russian original and the English translation change, Kazakh does not (confirmed as it is).
    await saveVersion(id, owner.userId, "ru", RU2);
    await saveVersion(id, owner.userId, "en", { ...TEXTS.en, title: "Free the journalists now" });
    expect(await publish(id, owner.userId, { changeNote: "Требования уточнены", confirmStale: ["kk"] })).toBe(2);
    await addSigners(id, [
      { name: "Анна Смирнова", revision: 2 },
      { name: "Отозвано", revision: 2, status: "withdrawn" },
    ]);

    const list = await publicRevisionList(slug, "ru", "ru");
    expect(list).toMatchObject({ current: 2, lang: "ru", title: TEXTS.ru.title });
    expect(list?.revisions.map((r) => [r.number, r.signed, r.note])).toEqual([
      [2, 1, "Требования уточнены"],
      [1, 2, ""],
    ]);

    const second = await publicRevision(slug, 2, "ru", "ru");
    expect(second).toMatchObject({ number: 2, current: 2, lang: "ru", languages: ["ru", "en", "kk"], note: "Требования уточнены" });
    expect(second?.bodyHtml).toContain("Немедленно освободить");
    expect(second?.diff?.unchanged).toBe(false);
    expect(second?.diff?.body).toEqual(
      expect.arrayContaining([
        { op: "del", text: "просим" },
        { op: "ins", text: "требуем" },
        { op: "del", text: "Освободить" },
        { op: "ins", text: "Немедленно освободить" },
      ]),
    );
    expect(second?.diff?.title).toEqual([{ op: "same", text: TEXTS.ru.title }]);

    const english = await publicRevision(slug, 2, "en", "ru");
    expect(english?.diff?.title).toEqual([
      { op: "same", text: "Free the journalists " },
      { op: "ins", text: "now" },
    ]);
    const kazakh = await publicRevision(slug, 2, "kk", "ru");
    expect(kazakh?.diff).toMatchObject({ unchanged: true, newLanguage: false });

    // Revision 1 is the text people signed before the correction, with nothing to compare.
    const first = await publicRevision(slug, 1, "ru", "ru");
    expect(first).toMatchObject({ number: 1, current: 2, signed: 2, diff: null, title: TEXTS.ru.title });
    expect(first?.bodyHtml).toContain("Освободить задержанных");
    expect(first?.addressees).toEqual(["Роберта Метсола, Председателю Европейского парламента, Европейский парламент"]);

    // Nothing beyond what is published, nothing of drafts or unknown slugs.
    expect(await publicRevision(slug, 3, "ru", "ru")).toBeNull();
    expect(await publicRevision(slug, 0, "ru", "ru")).toBeNull();
    expect(await publicRevision("no-such-appeal", 1, "ru", "ru")).toBeNull();
    expect(await publicRevision("../etc", 1, "ru", "ru")).toBeNull();
    expect(await publicRevisionList("no-such-appeal", undefined, "en")).toBeNull();
  });

  it("a language first published in a later revision says so instead of a diff", async () => {
    const { owner, id, slug } = await publishedAppeal({ langs: ["ru", "en"] });
    await saveVersion(id, owner.userId, "kk", TEXTS.kk);
    expect(await publish(id, owner.userId, { changeNote: "Добавлен казахский" })).toBe(2);
    const view = await publicRevision(slug, 2, "kk", "kk");
    expect(view).toMatchObject({ lang: "kk", diff: { newLanguage: true } });
    // Asked for a language revision 1 did not have: the reader's language, else the original.
    expect((await publicRevision(slug, 1, "kk", "kk"))?.lang).toBe("ru");
  });
});

describe("stale translations", () => {
  it("flags a translation not updated since the original changed, until it is saved again (or the original is back as it was)", async () => {
    const { owner, id } = await publishedAppeal();
    expect((await editorView(id, owner.userId)).stale).toEqual([]);

    await saveVersion(id, owner.userId, "ru", RU2);
    let view = await editorView(id, owner.userId);
    expect(view.stale).toEqual(["en", "kk"]);
    // The translator sees what changed in the original since their last save.
    expect(view.staleChanges.en?.body).toEqual(expect.arrayContaining([{ op: "ins", text: "требуем" }]));
    expect(view.staleChanges.en?.title).toEqual([{ op: "same", text: TEXTS.ru.title }]);
    // The stored basis does not reach the editor's pages.
    expect(view.versions.every((v) => !("basis" in v))).toBe(true);

    await saveVersion(id, owner.userId, "en", TEXTS.en);
    view = await editorView(id, owner.userId);
    expect(view.stale).toEqual(["kk"]);

    // The original back to the text the Kazakh version was saved against: nothing to review there.
    await saveVersion(id, owner.userId, "ru", TEXTS.ru);
    expect((await editorView(id, owner.userId)).stale).toEqual(["en"]);
  });

  it("versions without a known basis are never flagged", () => {
    const original = { lang: "ru", title: "a", summary: "", body: "b", basis: null };
    expect(staleTranslations("ru", [original, { lang: "en", title: "x", summary: "", body: "y", basis: null }])).toEqual([]);
    expect(staleTranslations("ru", [original, { lang: "en", title: "x", summary: "", body: "y", basis: { title: "a", summary: "", body: "old" } }])).toEqual([
      "en",
    ]);
  });
});

describe("publishing with stale translations", () => {
  it("is refused until every stale translation is confirmed, and nothing is published meanwhile", async () => {
    const { owner, id } = await publishedAppeal();
    await saveVersion(id, owner.userId, "ru", RU2);

    const refused = await errorOf(publish(id, owner.userId, { changeNote: "Уточнено", baseRevision: 1 }));
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "conflict", field: "confirmStale", messageKey: "revisions.confirmRequired" });
    // Confirming one of two is not enough (a translation that went stale after the page was shown).
    expect(await errorOf(publish(id, owner.userId, { changeNote: "Уточнено", baseRevision: 1, confirmStale: ["en"] }))).toMatchObject({
      field: "confirmStale",
    });
    const row = await getDb().selectFrom("appeals").select("current_revision").where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.current_revision).toBe(1);

    expect(await publish(id, owner.userId, { changeNote: "Уточнено", baseRevision: 1, confirmStale: ["en", "kk"] })).toBe(2);
  });

  it("the dashboard's publish form answers in the organizer's language and keeps the change note", async () => {
    const { owner, id } = await publishedAppeal();
    await saveVersion(id, owner.userId, "ru", RU2);
    const cookie = await sessionCookie(owner.userId);
    const post = (fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      return overviewAction({
        request: new Request(`http://localhost/dashboard/appeals/${id}?lang=kk`, { method: "POST", body: form, headers: { Cookie: cookie } }),
        params: { id: String(id) },
        context: {},
      });
    };
    const refused = await post({ _intent: "publish", baseRevision: "1", changeNote: "Талаптар нақтыланды" });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { errors: Record<string, string>; values: Record<string, string> };
    expect(body.errors).toEqual({ confirmStale: "revisions.confirmRequired" });
    expect(body.values.changeNote).toBe("Талаптар нақтыланды");

    // A forged value naming no real language confirms nothing.
    expect((await post({ _intent: "publish", baseRevision: "1", changeNote: "x", confirmStale: "xx,<b>" })).status).toBe(409);

    const published = await post({ _intent: "publish", baseRevision: "1", changeNote: "Талаптар нақтыланды", confirmStale: "en,kk" });
    expect(published.status).toBe(200);
    expect(((await published.json()) as { notice: string }).notice).toBe("2");
  });
});

import { sql } from "kysely";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addSigners, publishedAppeal, signerAddress } from "../../tests/fixtures/campaign";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { SmtpSink, type ReceivedMail } from "../../tests/setup/smtp-sink";
import { getDb } from "../../tests/setup/vitest-db";
import { action as updatesAction } from "../routes/dashboard.appeals.$id.updates";
import { action as unsubscribeAction, loader as unsubscribeLoader } from "../routes/s.unsubscribe.$token";
import { parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { createAppeal } from "./appeals.server";
import { createOutboxProcessor } from "./outbox.server";
import { checkUnsubscribe, publishUpdate, unsubscribe, updatesOf } from "./updates.server";
import { emailLookup } from "./data-key.server";

/**
 * Updates to signers, end to end through the outbox and a real SMTP server: who receives them,
 * in which language, the unsubscribe link and headers, and what is refused (too soon, too long).
 */

const APP_URL = "https://appeals.example";
let sink: SmtpSink;

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, APP_URL, SMTP_URL: "" }));
});

beforeEach(async () => {
  await getDb().deleteFrom("outbox").execute();
  sink = new SmtpSink();
  await sink.start();
});

afterEach(async () => {
  await sink.stop();
});

/** Sends everything the outbox holds to the SMTP sink, as the worker does. */
async function deliverOutbox() {
  const processor = createOutboxProcessor({ smtpUrl: sink.url });
  try {
    for (;;) {
      const r = await processor.processBatch();
      if (r.claimed === 0) break;
      expect(r.failed + r.retried).toBe(0);
    }
  } finally {
    processor.close();
  }
}

const CONTENT = {
  ru: { title: "Письмо передано в парламент", body: "Сегодня мы передали письмо.\n\nСпасибо всем, кто подписал." },
  en: { title: "The letter was handed to parliament", body: "Today we handed over the letter.\n\nThank you all for signing." },
  kk: { title: "Хат парламентке тапсырылды", body: "Бүгін біз хатты тапсырдық.\n\nҚол қойғандардың барлығына рахмет." },
};

/** Signers of every kind: only the first three (confirmed, kept informed) may ever get an update. */
async function signers(appealId: number) {
  const who = {
    ru: signerAddress("ru"),
    en: signerAddress("en"),
    kk: signerAddress("kk"),
    notInformed: signerAddress("quiet"),
    pending: signerAddress("pending"),
    withdrawn: signerAddress("withdrawn"),
  };
  await addSigners(appealId, [
    { name: "Екатерина Вьюгина", lang: "ru", email: who.ru, keepInformed: true },
    { name: "Jürgen Weiß", lang: "en", email: who.en, keepInformed: true },
    { name: "Айгерім Сейітқалиева", lang: "kk", email: who.kk, keepInformed: true },
    { name: "Тихий Подписант", lang: "ru", email: who.notInformed, keepInformed: false },
    { name: "Ожидающий Подтверждения", lang: "ru", status: "pending", email: who.pending, keepInformed: true },
    { name: "Отозвавший Подпись", lang: "kk", status: "withdrawn", email: who.withdrawn, keepInformed: true },
    { name: "Удалённый Модератором", lang: "en", status: "removed", keepInformed: true },
  ]);
  return who;
}

function unsubscribeUrl(mail: ReceivedMail): string {
  // A long header may be folded over lines: the URL itself has no spaces.
  const header = (mail.headers["list-unsubscribe"] ?? "").replace(/\s+/g, "");
  const match = /^<(https:\/\/appeals\.example\/s\/unsubscribe\/([A-Za-z0-9_-]{43})\?lang=(en|ru|kk))>$/.exec(header);
  if (!match?.[1]) throw new Error(`no List-Unsubscribe URL in: ${header}`);
  return match[1];
}

const tokenOf = (url: string) => new URL(url).pathname.split("/").pop() ?? "";

async function rowCounts(appealId: number) {
  const updates = await getDb().selectFrom("updates").select("id").where("appeal_id", "=", appealId).execute();
  const outbox = await getDb().selectFrom("outbox").select("id").where("kind", "=", "update").execute();
  return { updates: updates.length, outbox: outbox.length };
}

/** Makes the appeal's updates a day and a bit older, as if sent yesterday. */
async function ageUpdates(appealId: number) {
  await getDb()
    .updateTable("updates")
    .set({ created_at: sql`created_at - interval '25 hours'` })
    .where("appeal_id", "=", appealId)
    .execute();
}

async function thrown(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "resolved",
    (e: unknown) => (e instanceof AppError ? (e.messageKey ?? e.code) : String(e)),
  );
}

describe("updates to signers", () => {
  it("reach only confirmed signers who asked, each in their language, with a working one-click unsubscribe", async () => {
    const appeal = await publishedAppeal();
    const who = await signers(appeal.id);

    expect(await publishUpdate(appeal.id, appeal.owner.userId, { kind: "update", content: CONTENT })).toBe(3);
    await deliverOutbox();

    expect(sink.messages).toHaveLength(3);
    for (const address of [who.notInformed, who.pending, who.withdrawn]) expect(sink.to(address)).toEqual([]);
    const [ru, en, kk] = [who.ru, who.en, who.kk].map((a) => {
      const mails = sink.to(a);
      expect(mails).toHaveLength(1);
      return mails[0]!;
    }) as [ReceivedMail, ReceivedMail, ReceivedMail];

    expect(ru.subject).toBe("Новости обращения «Освободите журналистов»");
    expect(ru.text).toContain(CONTENT.ru.title);
    expect(ru.text).toContain("Спасибо всем, кто подписал.");
    expect(ru.text).toContain("Отписаться от этих писем");
    expect(en.subject).toBe("Update on the appeal “Free the journalists”");
    expect(en.text).toContain(CONTENT.en.title);
    expect(en.text).toContain("Unsubscribe from updates on this appeal");
    expect(kk.subject).toBe("«Журналистерді босатыңыз» үндеуі туралы жаңалық");
    expect(kk.text).toContain(CONTENT.kk.title);
    expect(kk.text).toContain("Бұл хаттардан бас тарту");
    expect(en.text).not.toContain(CONTENT.ru.title);
    expect(kk.html).toContain(`lang="kk"`);
    // Each unsubscribe link opens its page in the signer's language.
    expect([ru, en, kk].map((m) => new URL(unsubscribeUrl(m)).searchParams.get("lang"))).toEqual(["ru", "en", "kk"]);

    // Each recipient has an unsubscribe link of their own, in the headers (RFC 8058) and the text.
    const urls = [ru, en, kk].map((m) => {
      expect(m.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      const url = unsubscribeUrl(m);
      expect(m.text).toContain(url);
      expect(m.html).toContain(url);
      expect(m.text).toContain(`${APP_URL}/appeals/${appeal.slug}?lang=`);
      expect(m.text).not.toContain("__UNSUBSCRIBE_URL__");
      return url;
    });
    expect(new Set(urls).size).toBe(3);

    // Published on the appeal page too, with the number it was sent to.
    const published = await updatesOf(appeal.id);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ kind: "update", recipients: 3, content: CONTENT });

    // The Russian signer unsubscribes: opening the link changes nothing, the one-click POST does.
    const token = tokenOf(urls[0]!);
    const opened = await unsubscribeLoader({ request: new Request(urls[0]!), params: { token }, context: {} });
    expect(await opened.json()).toEqual({ state: "valid" });
    expect(
      (await getDb().selectFrom("signatures").select("keep_informed").where("email_key", "=", emailLookup(who.ru)).executeTakeFirstOrThrow()).keep_informed,
    ).toBe(true);
    const oneClick = await unsubscribeAction({
      request: new Request(urls[0]!, { method: "POST", body: "List-Unsubscribe=One-Click", headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
      params: { token },
      context: {},
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.json()).toEqual({ state: "done" });
    expect(
      (await getDb().selectFrom("signatures").select("keep_informed").where("email_key", "=", emailLookup(who.ru)).executeTakeFirstOrThrow()).keep_informed,
    ).toBe(false);
    // Repeating it is harmless; a made-up token is not accepted.
    expect(await unsubscribe(token)).toBe("done");
    // Opening the spent link again says so, instead of offering the button once more.
    const reopened = await unsubscribeLoader({ request: new Request(urls[0]!), params: { token }, context: {} });
    expect(await reopened.json()).toEqual({ state: "done" });
    expect(await unsubscribe("A".repeat(43))).toBe("invalid");
    expect(await checkUnsubscribe("not-a-token")).toBe("invalid");
    const forged = await unsubscribeAction({
      request: new Request(`${APP_URL}/s/unsubscribe/${"B".repeat(43)}`, { method: "POST" }),
      params: { token: "B".repeat(43) },
      context: {},
    });
    expect(forged.status).toBe(400);

    // The next day's update reaches the other two only.
    await ageUpdates(appeal.id);
    sink.messages.length = 0;
    expect(
      await publishUpdate(appeal.id, appeal.owner.userId, { kind: "response", content: { ru: { title: "Ответ парламента", body: "Нам ответили." } } }),
    ).toBe(2);
    await deliverOutbox();
    expect(sink.to(who.ru)).toEqual([]);
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual([who.en, who.kk].sort());
    // Only a Russian text: everyone reads it, around their own language's words — and the appeal's
    // title and page in their own language, since the appeal has those versions.
    const enMail = sink.to(who.en)[0]!;
    const kkMail = sink.to(who.kk)[0]!;
    expect(enMail.subject).toBe("A response to the appeal “Free the journalists”");
    expect(enMail.text).toContain("Нам ответили.");
    expect(enMail.text).toContain(`${APP_URL}/appeals/${appeal.slug}?lang=en#updates`);
    expect(kkMail.subject).toBe("«Журналистерді босатыңыз» үндеуіне жауап");
    expect(kkMail.text).toContain("Нам ответили.");
    expect(kkMail.text).toContain(`${APP_URL}/appeals/${appeal.slug}?lang=kk#updates`);
    expect(kkMail.text).not.toContain("?lang=ru");
    expect(kkMail.text).not.toContain("Освободите журналистов");
  });

  it("at most one a day: a second update the same day is refused and nothing is sent or recorded", async () => {
    const appeal = await publishedAppeal();
    await signers(appeal.id);
    expect(await publishUpdate(appeal.id, appeal.owner.userId, { kind: "update", content: { ru: CONTENT.ru } })).toBe(3);
    const before = await rowCounts(appeal.id);
    expect(before).toEqual({ updates: 1, outbox: 3 });

    expect(await thrown(publishUpdate(appeal.id, appeal.owner.userId, { kind: "update", content: { en: CONTENT.en } }))).toBe("updates.tooSoon");
    // Two organizers at the same moment: one is sent, the other refused.
    const other = await publishedAppeal();
    await signers(other.id);
    const results = await Promise.all([0, 1].map(() => thrown(publishUpdate(other.id, other.owner.userId, { kind: "update", content: { kk: CONTENT.kk } }))));
    expect(results.sort()).toEqual(["resolved", "updates.tooSoon"]);
    expect(await rowCounts(appeal.id)).toEqual({ updates: 1, outbox: 6 });

    // Through the dashboard's form: 429 with the message, what was typed kept.
    const form = new FormData();
    form.set("kind", "update");
    form.set("title.ru", "Ещё новость");
    form.set("body.ru", "Текст");
    const response = await updatesAction({
      request: new Request(`http://localhost/dashboard/appeals/${appeal.id}/updates`, {
        method: "POST",
        body: form,
        headers: { Cookie: await sessionCookie(appeal.owner.userId) },
      }),
      params: { id: String(appeal.id) },
      context: {},
    });
    expect(response.status).toBe(429);
    const body = (await response.json()) as { errors: Record<string, string>; values: Record<string, string> };
    expect(body.errors._form).toBe("updates.tooSoon");
    expect(body.values["title.ru"]).toBe("Ещё новость");
    expect(await rowCounts(appeal.id)).toEqual({ updates: 1, outbox: 6 });
    await deliverOutbox();
    expect(sink.messages).toHaveLength(6);
  });

  it("refuses a text that is too long, a title without text, an empty update, a draft and strangers; nothing is sent", async () => {
    const appeal = await publishedAppeal();
    await signers(appeal.id);
    const cookie = await sessionCookie(appeal.owner.userId);
    const post = async (fields: Record<string, string>, c = cookie, id = appeal.id) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      const request = new Request(`http://localhost/dashboard/appeals/${id}/updates`, { method: "POST", body: form, headers: { Cookie: c } });
      return updatesAction({ request, params: { id: String(id) }, context: {} }).catch((e: unknown) => {
        if (e instanceof Response) return e;
        throw e;
      });
    };
    const answer = async (r: Response) => ({ status: r.status, errors: ((await r.json()) as { errors: Record<string, string> }).errors });

    expect(await answer(await post({ kind: "update", "title.ru": "Длинная новость", "body.ru": "а".repeat(10_001) }))).toEqual({
      status: 400,
      errors: { "body.ru": "form.tooLong:10000" },
    });
    expect(await answer(await post({ kind: "update", "title.ru": "Т".repeat(201), "body.ru": "Текст" }))).toMatchObject({
      status: 400,
      errors: { "title.ru": expect.stringMatching(/^form\.tooLong/) },
    });
    expect(await answer(await post({ kind: "update", "title.en": "A title only" }))).toEqual({ status: 400, errors: { "body.en": "form.required" } });
    expect(await answer(await post({ kind: "update" }))).toEqual({ status: 400, errors: { _form: "updates.noText" } });
    expect(await answer(await post({ kind: "broadcast", "title.ru": "Т", "body.ru": "Т" }))).toEqual({ status: 400, errors: { kind: "form.invalid" } });
    const stranger = await newOrganization();
    expect((await post({ kind: "update", "title.ru": "Т", "body.ru": "Т" }, await sessionCookie(stranger.userId))).status).toBe(403);
    expect((await post({ kind: "update", "title.ru": "Т", "body.ru": "Т" }, cookie, 987654321)).status).toBe(404);
    expect(await thrown(publishUpdate(appeal.id, stranger.userId, { kind: "update", content: CONTENT }))).toBe("forbidden");

    const draftId = await createAppeal(appeal.owner.userId, {
      organizationId: appeal.owner.organizationId,
      slug: `draft-${appeal.slug}`,
      originalLanguage: "ru",
      title: "Черновик",
    });
    expect(await thrown(publishUpdate(draftId, appeal.owner.userId, { kind: "update", content: CONTENT }))).toBe("updates.draft");

    expect(await rowCounts(appeal.id)).toEqual({ updates: 0, outbox: 0 });
    await deliverOutbox();
    expect(sink.messages).toEqual([]);

    // Exactly at the limit it goes out.
    expect((await post({ kind: "update", "title.ru": "Длинная новость", "body.ru": "а".repeat(10_000) })).status).toBe(200);
    expect(await rowCounts(appeal.id)).toEqual({ updates: 1, outbox: 3 });
  });
});

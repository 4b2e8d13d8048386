import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { attachmentsOf } from "../../db/queries/appeals";
import { addSigners, publishedAppeal, signerAddress } from "../../tests/fixtures/campaign";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { SmtpSink, type ReceivedMail } from "../../tests/setup/smtp-sink";
import { getDb } from "../../tests/setup/vitest-db";
import { action as responsesAction, loader as responsesLoader } from "../routes/dashboard.appeals.$id.responses";
import { parseEnv, setEnv } from "../utils/env.server";
import { addAddressee, createAppeal, publish } from "./appeals.server";
import { deleteAttachment } from "./attachments.server";
import { atomFeed } from "./feeds.server";
import { createOutboxProcessor } from "./outbox.server";
import { publicAppeal } from "./public-appeal.server";
import { checkUnsubscribe } from "./updates.server";

/**
 * The institution answers (issue 17 item 8), through the dashboard's action, a real PostgreSQL
 * and a real SMTP server: the response with who answered, when, and the institution's letter; on
 * the public page's data and in the Atom feed; by e-mail only to confirmed signers who asked,
 * each with their own unsubscribe link; and what is refused, with nothing recorded or left on disk.
 */

const APP_URL = "https://appeals.example";
// A PDF as file-type recognises it (the content decides the type, not the name).
const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
let sink: SmtpSink;
let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-responses-"));
  setEnv(parseEnv({ ...process.env, APP_URL, SMTP_URL: "", DATA_DIR: dataDir }));
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await getDb().deleteFrom("outbox").execute();
  sink = new SmtpSink();
  await sink.start();
});

afterEach(async () => {
  await sink.stop();
});

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

/** A published appeal (ru original, en and kk versions) with two addressees; signers of every kind. */
async function appealWithTwoAddressees() {
  const appeal = await publishedAppeal();
  await addAddressee(appeal.id, appeal.owner.userId, null, {
    ru: { name: "Асель Нурланова", position: "Министру юстиции", institution: "Министерство юстиции" },
    en: { name: "Assel Nurlanova", position: "Minister of Justice", institution: "Ministry of Justice" },
    kk: { name: "Әсел Нұрланова", position: "Әділет министріне", institution: "Әділет министрлігі" },
  });
  await publish(appeal.id, appeal.owner.userId, { changeNote: "Второй адресат" });
  const ministry = await getDb().selectFrom("addressees").select("id").where("appeal_id", "=", appeal.id).where("email", "is", null).executeTakeFirstOrThrow();
  const who = {
    ru: signerAddress("ru"),
    en: signerAddress("en"),
    kk: signerAddress("kk"),
    notInformed: signerAddress("quiet"),
    pending: signerAddress("pending"),
    withdrawn: signerAddress("withdrawn"),
  };
  await addSigners(appeal.id, [
    { name: "Екатерина Вьюгина", lang: "ru", email: who.ru, keepInformed: true },
    { name: "Jürgen Weiß", lang: "en", email: who.en, keepInformed: true },
    { name: "Айгерім Сейітқалиева", lang: "kk", email: who.kk, keepInformed: true },
    { name: "Тихий Подписант", lang: "ru", email: who.notInformed, keepInformed: false },
    { name: "Ожидающий Подтверждения", lang: "ru", status: "pending", email: who.pending, keepInformed: true },
    { name: "Отозвавший Подпись", lang: "kk", status: "withdrawn", email: who.withdrawn, keepInformed: true },
  ]);
  return { ...appeal, ministryId: ministry.id, who, cookie: await sessionCookie(appeal.owner.userId) };
}

/** The dashboard form as a browser sends it: multipart, with or without a file. */
async function post(
  appealId: number,
  cookie: string,
  fields: Record<string, string>,
  file?: { name: string; data: Buffer; type?: string },
): Promise<{ status: number; body: { errors: Record<string, string>; values: Record<string, string>; notice: string | null } }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set(
    "file",
    file ? new File([new Uint8Array(file.data)], file.name, { type: file.type ?? "application/pdf" }) : new File([], "", { type: "application/octet-stream" }),
  );
  const request = new Request(`http://localhost/dashboard/appeals/${appealId}/responses`, { method: "POST", body: form, headers: { Cookie: cookie } });
  const response = await responsesAction({ request, params: { id: String(appealId) }, context: {} }).catch((e: unknown) => {
    if (e instanceof Response) return e;
    throw e;
  });
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : { errors: {}, values: {}, notice: null };
  return { status: response.status, body };
}

const TEXT = {
  ru: "Министерство рассмотрело обращение.\n\nДело журналистов направлено на пересмотр.",
  en: "The ministry has considered the appeal.\n\nThe journalists' case has been sent for review.",
};

async function filesOnDisk(appealId: number): Promise<string[]> {
  return fs.readdir(path.join(dataDir, "files", "attachments", String(appealId))).catch(() => []);
}

describe("an addressee's response", () => {
  it("is recorded with who answered, the date and the letter; on the page, in the feed, and mailed only to informed confirmed signers", async () => {
    const appeal = await appealWithTwoAddressees();
    // The form offers both addressees of the published text.
    const loaded = await responsesLoader({
      request: new Request(`http://localhost/dashboard/appeals/${appeal.id}/responses?lang=ru`, { headers: { Cookie: appeal.cookie } }),
      params: { id: String(appeal.id) },
      context: {},
    });
    const choices = ((await loaded.json()) as { addressees: Array<{ id: number; label: string }> }).addressees;
    expect(choices.map((c) => c.label)).toEqual(["Роберта Метсола, Европейский парламент", "Асель Нурланова, Министерство юстиции"]);

    const result = await post(
      appeal.id,
      appeal.cookie,
      { addressee: String(appeal.ministryId), receivedOn: "2026-12-01", "body.ru": TEXT.ru, "body.en": TEXT.en },
      { name: "Ответ Минюста №12-3.pdf", data: PDF },
    );
    expect(result).toMatchObject({ status: 200, body: { notice: "3" } });

    // Recorded: the response, its letter (not a supporting document of the appeal, not removable as one).
    const row = await getDb().selectFrom("updates").selectAll().where("appeal_id", "=", appeal.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: "response", received_on: "2026-12-01", addressee_id: appeal.ministryId, recipients: 3 });
    const file = await getDb().selectFrom("attachments").selectAll().where("update_id", "=", row.id).executeTakeFirstOrThrow();
    expect(file).toMatchObject({ filename: "Ответ Минюста №12-3.pdf", content_type: "application/pdf", size: PDF.length, lang: "ru" });
    expect((await attachmentsOf(getDb(), appeal.id)).map((f) => f.id)).not.toContain(file.id);
    await expect(deleteAttachment(appeal.id, appeal.owner.userId, file.id)).rejects.toMatchObject({ code: "not_found" });
    expect(await filesOnDisk(appeal.id)).toHaveLength(1);

    // The public page's data, in Russian and in English.
    const ru = await publicAppeal(appeal.slug, "ru", "ru");
    expect(ru?.updates[0]).toMatchObject({
      id: row.id,
      kind: "response",
      lang: "ru",
      body: TEXT.ru,
      response: {
        from: "Асель Нурланова, Министерство юстиции",
        receivedOn: "2026-12-01",
        file: { id: file.id, filename: "Ответ Минюста №12-3.pdf", contentType: "application/pdf", size: PDF.length },
      },
    });
    expect((await publicAppeal(appeal.slug, "en", "en"))?.updates[0]?.response?.from).toBe("Assel Nurlanova, Ministry of Justice");

    // The Atom feed: the entry titled by who answered and when, the letter as an enclosure.
    const feed = (await atomFeed(appeal.slug, "ru", "ru")) ?? "";
    expect(feed).toContain(`<title xml:lang="ru">Ответ: Асель Нурланова, Министерство юстиции, 1 декабря 2026 г.</title>`);
    expect(feed).toContain(
      `<link rel="enclosure" type="application/pdf" length="${PDF.length}" title="Ответ Минюста №12-3.pdf (PDF)" href="${APP_URL}/appeals/${appeal.slug}/attachments/${file.id}"/>`,
    );
    expect(feed).toContain(`<category term="response"/>`);
    expect(feed).toContain("Дело журналистов направлено на пересмотр.");
    const kkFeed = (await atomFeed(appeal.slug, "kk", "kk")) ?? "";
    expect(kkFeed).toContain("Жауап: Әсел Нұрланова, Әділет министрлігі, 2026 ж. 1 желтоқсан");

    // The mails: the three informed, confirmed signers, in their language; nobody else.
    await deliverOutbox();
    expect(sink.messages).toHaveLength(3);
    for (const address of [appeal.who.notInformed, appeal.who.pending, appeal.who.withdrawn]) expect(sink.to(address)).toEqual([]);
    const mail = (address: string): ReceivedMail => {
      const mails = sink.to(address);
      expect(mails).toHaveLength(1);
      return mails[0]!;
    };
    const [ruMail, enMail, kkMail] = [mail(appeal.who.ru), mail(appeal.who.en), mail(appeal.who.kk)];
    expect(ruMail.subject).toBe("Ответ на обращение «Освободите журналистов»");
    expect(ruMail.text).toContain("Ответ: Асель Нурланова, Министерство юстиции, 1 декабря 2026 г.");
    expect(ruMail.text).toContain("Дело журналистов направлено на пересмотр.");
    expect(ruMail.text).toContain(
      `Читать на странице обращения, там же письмо в том виде, в каком оно пришло (PDF, 1 КБ): ${APP_URL}/appeals/${appeal.slug}?lang=ru#update-${row.id}`,
    );
    expect(enMail.subject).toBe("A response to the appeal “Free the journalists”");
    expect(enMail.text).toContain("Response from Assel Nurlanova, Ministry of Justice, December 1, 2026");
    expect(enMail.text).toContain("The journalists' case has been sent for review.");
    // No Kazakh text: the Kazakh signer reads the original's, around Kazakh words.
    expect(kkMail.text).toContain("Жауап: Әсел Нұрланова, Әділет министрлігі, 2026 ж. 1 желтоқсан");
    expect(kkMail.text).toContain("Дело журналистов направлено на пересмотр.");
    expect(kkMail.text).toContain("Бұл хаттардан бас тарту");
    // Each with a one-click unsubscribe link of their own that works.
    const tokens = [ruMail, enMail, kkMail].map((m) => {
      expect(m.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      const match = /\/s\/unsubscribe\/([A-Za-z0-9_-]{43})/.exec(m.text);
      expect(match).not.toBeNull();
      expect((m.headers["list-unsubscribe"] ?? "").replace(/\s+/g, "")).toContain(match![1]);
      return match![1]!;
    });
    expect(new Set(tokens).size).toBe(3);
    expect(await checkUnsubscribe(tokens[0]!)).toBe("valid");
    // No address of anyone in the page's data or the feed.
    for (const address of Object.values(appeal.who)) {
      expect(JSON.stringify(ru)).not.toContain(address);
      expect(feed).not.toContain(address);
    }
    expect(JSON.stringify(ru)).not.toContain("president@parliament.example");
  });

  it("refuses a future date, an unknown addressee, no text, a wrong file, a second mail the same day, strangers and drafts: nothing recorded, no file left", async () => {
    const appeal = await appealWithTwoAddressees();
    const ok = { addressee: String(appeal.ministryId), receivedOn: "2026-12-01", "body.ru": TEXT.ru };
    const tomorrow = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
    expect(await post(appeal.id, appeal.cookie, { ...ok, receivedOn: tomorrow })).toMatchObject({
      status: 400,
      body: { errors: { receivedOn: "responses.badDate" } },
    });
    expect(await post(appeal.id, appeal.cookie, { ...ok, receivedOn: "2026-02-30" })).toMatchObject({
      status: 400,
      body: { errors: { receivedOn: "responses.badDate" } },
    });
    expect(await post(appeal.id, appeal.cookie, { ...ok, addressee: "987654321" })).toMatchObject({
      status: 400,
      body: { errors: { addressee: "responses.noAddressee" } },
    });
    expect(await post(appeal.id, appeal.cookie, { ...ok, addressee: "1e9" })).toMatchObject({
      status: 400,
      body: { errors: { addressee: "responses.noAddressee" } },
    });
    expect(await post(appeal.id, appeal.cookie, { ...ok, "body.ru": "  " })).toMatchObject({ status: 400, body: { errors: { _form: "responses.noText" } } });
    const long = await post(appeal.id, appeal.cookie, { ...ok, "body.ru": "а".repeat(10_001) });
    expect(long).toMatchObject({ status: 400, body: { errors: { "body.ru": "form.tooLong:10000" } } });
    // What was typed comes back whole (not cut at the upload reader's limit).
    expect(long.body.values["body.ru"]).toHaveLength(10_001);
    const wrong = await post(appeal.id, appeal.cookie, ok, { name: "letter.pdf", data: Buffer.from("not a pdf at all, just text"), type: "application/pdf" });
    expect(wrong).toMatchObject({ status: 400, body: { errors: { file: "attachment.wrongType" } } });
    // (A multipart form sends line breaks as CRLF.)
    expect(wrong.body.values["body.ru"]?.replace(/\r\n/g, "\n")).toBe(TEXT.ru);
    const big = await post(appeal.id, appeal.cookie, ok, { name: "big.pdf", data: Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]) });
    expect(big).toMatchObject({ status: 413, body: { errors: { file: "attachment.tooLarge" } } });
    expect(await getDb().selectFrom("updates").select("id").where("appeal_id", "=", appeal.id).execute()).toEqual([]);
    expect(await filesOnDisk(appeal.id)).toEqual([]);

    // Exactly at the limit, without a file: recorded.
    expect(await post(appeal.id, appeal.cookie, { ...ok, "body.ru": "а".repeat(10_000) })).toMatchObject({ status: 200, body: { notice: "3" } });
    // The same day again (a response or an update): refused, its file not kept.
    const again = await post(appeal.id, appeal.cookie, ok, { name: "second.pdf", data: PDF });
    expect(again).toMatchObject({ status: 429, body: { errors: { _form: "updates.tooSoon" } } });
    expect(await filesOnDisk(appeal.id)).toEqual([]);
    expect(await getDb().selectFrom("updates").select("id").where("appeal_id", "=", appeal.id).execute()).toHaveLength(1);

    const stranger = await newOrganization();
    expect((await post(appeal.id, await sessionCookie(stranger.userId), ok)).status).toBe(403);
    expect((await post(987654321, appeal.cookie, ok)).status).toBe(404);
    const draftId = await createAppeal(appeal.owner.userId, {
      organizationId: appeal.owner.organizationId,
      slug: `draft-${appeal.slug}`,
      originalLanguage: "ru",
      title: "Черновик",
    });
    expect((await post(draftId, appeal.cookie, ok)).body.errors).toEqual({ addressee: "responses.noAddressee" });
    await deliverOutbox();
    expect(sink.messages).toHaveLength(3);
  });
});

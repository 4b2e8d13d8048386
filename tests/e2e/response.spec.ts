import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { expect, expectAccessible, mailbox, test } from "./fixtures";
import { addSignersWithAddresses, closeFixtureDb, createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./helpers/appeal-fixture";
import { signIn } from "./helpers/sign-in";

/**
 * The institution answers, in Russian (issue 17 item 8): the organizer records the addressee's
 * response with the scanned letter (a PDF) on the dashboard; the public page shows "Ответ: …,
 * <date>" with the letter to download; the informed signer gets the e-mail. Screenshots in
 * /tmp/shots-response/ (and test-results/).
 */

const RU = {
  title: "Сохраним парки Алматы",
  summary: "Мы просим акимат города прекратить вырубку деревьев в парках.",
  body: "Уважаемый аким!\n\nМы просим сохранить парки.",
};
const KK = {
  title: "Алматыдағы саябақтарды сақтап қалайық",
  summary: "Біз қала әкімдігінен саябақтардағы ағаштарды кесуді тоқтатуды сұраймыз.",
  body: "Құрметті әкім!\n\nБіз саябақтарды сақтауды сұраймыз.",
};
const ANSWER = "Акимат рассмотрел обращение.\n\nВырубка в парке имени Горького приостановлена до проверки.";
// A PDF as file-type recognises it (the app checks the content, not the name).
const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
const SHOTS = "/tmp/shots-response";

let appeal: FixtureAppeal;
let signer = "";
let pdfPath = "";

test.describe.serial("an addressee's response (ru)", () => {
  test.beforeAll(async () => {
    appeal = await createPublishedAppeal({ originalLanguage: "ru", versions: { ru: RU, kk: KK } });
    signer = `informed-${appeal.slug}@mail.example`;
    await addSignersWithAddresses(appeal, 1, "Подписант", "Алматы", () => signer);
    const pool = new pg.Pool({ connectionString: process.env.E2E_DATABASE_URL, max: 1 });
    await pool.query("UPDATE signatures SET keep_informed = true WHERE appeal_id = $1", [appeal.id]);
    await pool.end();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "e2e-response-"));
    pdfPath = path.join(dir, "ответ-акимата.pdf");
    await fs.writeFile(pdfPath, PDF);
    await fs.mkdir(SHOTS, { recursive: true });
  });

  test.afterAll(async () => {
    if (appeal) await deleteAppeal(appeal);
    await closeFixtureDb();
    if (pdfPath) await fs.rm(path.dirname(pdfPath), { recursive: true, force: true });
  });

  test("the organizer records the response with the scanned letter", async ({ page }) => {
    await signIn(page, appeal.ownerEmail);
    await page.goto(`/dashboard/appeals/${appeal.id}/responses?lang=ru`);
    await expect(page.getByRole("heading", { name: "Ответы адресатов" })).toBeVisible();
    await expect(page.getByLabel("Кто ответил")).toHaveValue(/\d+/);
    // A date in the future is refused, beside the field, and what was typed stays.
    await page.getByLabel("Дата получения").fill("2099-01-01");
    await page.getByLabel("Ответ на языке: Русский").fill(ANSWER);
    await page.getByRole("button", { name: "Опубликовать ответ и сообщить подписавшим" }).click();
    await expect(page.getByText("Укажите дату получения ответа (не в будущем).")).toBeVisible();
    await expect(page.getByLabel("Ответ на языке: Русский")).toHaveValue(ANSWER);

    await page.getByLabel("Дата получения").fill("2026-12-02");
    await page.getByLabel(/Ответ в том виде, в каком он пришёл/).setInputFiles(pdfPath);
    await page.screenshot({ path: path.join(SHOTS, "dashboard-form-ru.png"), fullPage: true });
    await page.getByRole("button", { name: "Опубликовать ответ и сообщить подписавшим" }).click();
    await expect(page.getByRole("status")).toHaveText("Ответ опубликован и отправлен 1 подписавшему.");
    await expect(page.getByRole("link", { name: "Ответ: Роберта Метсола, European Parliament, 2 декабря 2026 г." })).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, "dashboard-recorded-ru.png"), fullPage: true });
    await expectAccessible(page);
  });

  test("the public page shows the response and its letter; the informed signer is told by e-mail", async ({ page }) => {
    await page.goto(`/appeals/${appeal.slug}?lang=ru`);
    const section = page.locator("#responses");
    await expect(section.getByRole("heading", { name: "Ответы" })).toBeVisible();
    // (The name is a bidi isolate in the heading: a name in Arabic would keep the comma in place.)
    await expect(section.getByRole("heading", { name: /^Ответ: \u2068?Роберта Метсола, European Parliament\u2069?, 2 декабря 2026 г\.$/ })).toBeVisible();
    await expect(section.getByText("Вырубка в парке имени Горького приостановлена до проверки.")).toBeVisible();
    await expect(page.getByText(/^Получен ответ: .*Роберта Метсола, European Parliament.*, 2 декабря 2026 г\./)).toBeVisible();
    const link = section.getByRole("link", { name: "Ответ в том виде, в каком он пришёл" });
    await expect(section.getByText(/ответ-акимата\.pdf, PDF, 1 КБ/)).toBeVisible();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("ответ-акимата.pdf");
    expect(await fs.readFile(await download.path())).toEqual(PDF);
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, "public-response-ru.png"), fullPage: true });
    await expectAccessible(page);

    // The Atom feed names who answered and carries the letter as an enclosure.
    const feed = await (await page.request.get(`/appeals/${appeal.slug}/updates.atom?lang=ru`)).text();
    expect(feed).toContain('<title xml:lang="ru">Ответ: Роберта Метсола, European Parliament, 2 декабря 2026 г.</title>');
    expect(feed).toMatch(/<link rel="enclosure" type="application\/pdf" length="\d+"/);

    const mail = await mailbox.waitFor((m) => mailbox.to(signer)(m) && m.subject === `Ответ на обращение «${RU.title}»`);
    expect(mail.text).toContain("Ответ: Роберта Метсола, European Parliament, 2 декабря 2026 г.");
    expect(mail.text).toContain("Вырубка в парке имени Горького приостановлена до проверки.");
    expect(mail.text).toMatch(/\/s\/unsubscribe\/[A-Za-z0-9_-]{43}\?lang=ru/);
    // The mail as a phone shows it.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.setContent(mail.html);
    await page.screenshot({ path: path.join(SHOTS, "mail-ru.png"), fullPage: true });
  });
});

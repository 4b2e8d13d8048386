import fs from "node:fs";
import { expect, expectAccessible, test } from "./fixtures";
import { closeFixtureDb, createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./helpers/appeal-fixture";
import { signIn } from "./helpers/sign-in";

/**
 * Issue 17 item 3, in Russian: an organizer downloads the signature sheet, enters one signature
 * from it, then imports a CSV file (semicolons, a Russian header) with one bad row: the preview
 * names the row and its error in Russian, the import takes the valid rows, and the public list
 * shows them "на бумаге".
 */
const appeals: FixtureAppeal[] = [];
test.afterAll(async () => {
  for (const appeal of appeals) await deleteAppeal(appeal).catch(() => undefined);
  await closeFixtureDb();
});

const RU = {
  title: "Сохраним городской парк",
  summary: "Просим акимат не застраивать парк у реки.",
  body: "Мы, нижеподписавшиеся, просим сохранить парк.",
};
const SHOTS = "/tmp/shots-paper";

test("an organizer enters a paper signature and imports a CSV file with one bad row, in Russian", async ({ browser }) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const appeal = await createPublishedAppeal({ originalLanguage: "ru", versions: { ru: RU }, fields: { city: "required" } });
  appeals.push(appeal);
  const context = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, locale: "ru-RU" });
  const page = await context.newPage();
  await signIn(page, appeal.ownerEmail);
  await page.goto(`/dashboard/appeals/${appeal.id}?lang=ru`);
  await page.getByRole("link", { name: "Подписи на бумаге" }).click();
  await expect(page.getByRole("heading", { name: "Подписи на бумаге", level: 2 })).toBeVisible();

  // The sheet: a PDF.
  const sheet = await page.request.get(`/dashboard/appeals/${appeal.id}/sheet/ru.pdf`);
  expect(sheet.status()).toBe(200);
  expect(sheet.headers()["content-type"]).toBe("application/pdf");
  expect((await sheet.body()).subarray(0, 5).toString()).toBe("%PDF-");

  // One signature: a missing city is answered in Russian, what was typed kept.
  await page.getByLabel("Полное имя").fill("Гульнара Ахметова");
  await page.getByRole("button", { name: "Добавить подпись" }).click();
  await expect(page.getByLabel("Полное имя")).toHaveValue("Гульнара Ахметова");
  await page.getByLabel("Город").fill("Алматы");
  await page.getByRole("button", { name: "Добавить подпись" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Подпись добавлена." })).toBeVisible();
  await expect(page.getByText("Введено с бумаги: 1")).toBeVisible();
  await expect(page.getByRole("group", { name: "Последние введённые" })).toContainText("Гульнара Ахметова");
  await page.screenshot({ path: `${SHOTS}/paper-entered-ru.png`, fullPage: true });

  // A CSV file with one bad row (no city).
  const csv = "\uFEFFФИО;Город\r\nЕрлан Касымов;Астана\r\nБез Города;\r\nОльга Петрова;Караганда\r\n";
  await page.getByLabel("CSV-файл", { exact: true }).setInputFiles({ name: "листы.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Проверить файл" }).click();
  const preview = page.locator("#paper-preview");
  await expect(preview).toContainText("Можно загрузить 2 из 3 строк.");
  const bad = preview.locator("tr.row-error");
  await expect(bad).toHaveCount(1);
  await expect(bad).toContainText("Без Города");
  await expect(bad).toContainText("Город: Обязательное поле.");
  await expectAccessible(page);
  await preview.screenshot({ path: `${SHOTS}/paper-preview-ru.png` });
  await page.getByRole("button", { name: "Загрузить верные строки: 2" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Загружено подписей: 2." })).toBeVisible();
  await expect(page.getByText("Введено с бумаги: 3")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/paper-imported-ru.png`, fullPage: true });

  // The signatures tab says which came from paper.
  await page.getByRole("link", { name: "Подписи", exact: true }).click();
  const recent = page.locator("section", { has: page.locator("#recent-h") });
  await expect(recent.locator("tr", { hasText: "Ерлан Касымов" })).toContainText("на бумаге");

  // The public list: marked on paper.
  const visitor = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, locale: "ru-RU", javaScriptEnabled: false });
  const pub = await visitor.newPage();
  await pub.goto(`/appeals/${appeal.slug}?lang=ru`);
  const list = pub.locator("section.signatories");
  await expect(list).toContainText("Ольга Петрова");
  await expect(list.locator("li", { hasText: "Ерлан Касымов" })).toContainText("на бумаге");
  await expect(list).not.toContainText("Без Города");
  await list.screenshot({ path: `${SHOTS}/paper-public-list-ru.png` });
  await visitor.close();
  await context.close();
});

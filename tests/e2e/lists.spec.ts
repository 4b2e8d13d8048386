import crypto from "node:crypto";
import { expect, expectAccessible, test } from "./fixtures";
import { addSignersWithAddresses, closeFixtureDb, createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./helpers/appeal-fixture";
import { signIn } from "./helpers/sign-in";

/**
 * Issue 17 items 4 and 7, in Russian: an organizer finds signatures by part of a city and pages
 * through the results, then finds one by its address (sent by POST: in no URL); a visitor pages
 * the public list of signatories, which says which page of how many it shows.
 */
const appeals: FixtureAppeal[] = [];
test.afterAll(async () => {
  for (const appeal of appeals) await deleteAppeal(appeal).catch(() => undefined);
  await closeFixtureDb();
});

const RU = {
  title: "Требуем открытых слушаний",
  summary: "Обращение к парламенту об открытости законотворчества.",
  body: "Мы, нижеподписавшиеся, просим проводить слушания открыто.",
};

test("an organizer searches signatures in Russian and pages through them; a visitor pages the signatories", async ({ browser }) => {
  const appeal = await createPublishedAppeal({ originalLanguage: "ru", versions: { ru: RU } });
  appeals.push(appeal);
  const unique = crypto.randomBytes(3).toString("hex");
  // 60 in Almaty (newest first: "Алматинец 01" … "Алматинец 60"), 11 in Astana, one of them to find by address.
  await addSignersWithAddresses(appeal, 60, "Алматинец", "Алматы", (i) => `almaty-${i}-${unique}@mail.example`);
  await addSignersWithAddresses(appeal, 11, "Астанчанин", "Астана", (i) => `astana-${i}-${unique}@mail.example`);
  const wanted = `Astana-7-${unique}@Mail.example`;

  const context = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, locale: "ru-RU" });
  const page = await context.newPage();
  await signIn(page, appeal.ownerEmail);
  await page.goto(`/dashboard/appeals/${appeal.id}/signatures?lang=ru`);
  const box = page.getByRole("textbox", { name: "Часть имени или города либо адрес электронной почты" });
  const rows = page.getByTestId("search-row");
  const names = () => rows.locator("td:first-child bdi").allTextContents();
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `Алматинец ${String(from + i).padStart(2, "0")}`);

  await box.fill("алмат");
  await page.getByRole("button", { name: "Искать" }).click();
  await expect(page).toHaveURL(/\?q=%D0%B0%D0%BB%D0%BC%D0%B0%D1%82/);
  await expect(rows).toHaveCount(25);
  expect(await names()).toEqual(range(1, 25));
  const next = page.getByRole("link", { name: "Следующие результаты" });
  const previous = page.getByRole("link", { name: "Предыдущие результаты" });
  await expect(previous).toHaveCount(0);
  await next.click();
  await expect.poll(names).toEqual(range(26, 50));
  await next.click();
  await expect.poll(names).toEqual(range(51, 60));
  await expect(next).toHaveCount(0);
  const section = page.locator("section", { has: page.locator("#search-h") });
  await section.screenshot({ path: "/tmp/lists-search-ru.png" });
  await previous.click();
  await expect.poll(names).toEqual(range(26, 50));
  await expectAccessible(page);

  // By address: answered to the POST; the address is in no URL.
  await box.fill(wanted);
  await page.getByRole("button", { name: "Искать" }).click();
  await expect(rows).toHaveCount(1);
  expect(await names()).toEqual(["Астанчанин 07"]);
  expect(page.url()).not.toContain("@");
  expect(page.url()).not.toContain("astana");
  await section.screenshot({ path: "/tmp/lists-search-address-ru.png" });

  // Nothing found: said so.
  await box.fill("Нет такого");
  await page.getByRole("button", { name: "Искать" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Подходящих подписей нет." })).toBeVisible();
  await context.close();

  // A visitor pages the public list: 71 signatories, 50 a page.
  const visitor = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, locale: "ru-RU", javaScriptEnabled: false });
  const pub = await visitor.newPage();
  await pub.goto(`/appeals/${appeal.slug}?lang=ru`);
  const pager = pub.getByRole("navigation", { name: "Страницы списка подписавших" });
  await expect(pager).toContainText("Страница 1 из 2");
  await expect(pub.locator(".signer-list li")).toHaveCount(50);
  await pager.getByRole("link", { name: "Ещё подписавшие" }).click();
  await expect(pager).toContainText("Страница 2 из 2");
  await expect(pub.locator(".signer-list li")).toHaveCount(21);
  // Numbered on from the first page: 51 to 71.
  await expect(pub.locator(".signer-list")).toHaveAttribute("start", "51");
  await pub.locator("#signers-h").scrollIntoViewIfNeeded();
  await pub.locator(".signatories").screenshot({ path: "/tmp/lists-signers-ru.png" });
  await pager.getByRole("link", { name: "Подписавшие позже" }).click();
  await expect(pager).toContainText("Страница 1 из 2");
  // The head names the feed of updates.
  await expect(pub.locator('head link[rel="alternate"][type="application/atom+xml"]')).toHaveAttribute(
    "href",
    new RegExp(`/appeals/${appeal.slug}/updates\\.atom\\?lang=ru$`),
  );
  const feed = await pub.request.get(`/appeals/${appeal.slug}/updates.atom?lang=ru`);
  expect(feed.headers()["content-type"]).toBe("application/atom+xml; charset=utf-8");
  await visitor.close();
});

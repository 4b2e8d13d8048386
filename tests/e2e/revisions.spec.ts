import { mkdirSync } from "node:fs";
import { expect, expectAccessible, test } from "./fixtures";
import { closeFixtureDb, createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./helpers/appeal-fixture";
import { signIn } from "./helpers/sign-in";

/**
 * Issue 17 item 5, "Read what was signed", in Kazakh: an organizer brings the Russian translation
 * up to date, then changes the Kazakh original; the dashboard flags the translation (with what
 * changed in the original), publishing the correction asks to confirm it (refused without, the
 * change note kept), and a visitor reads revision 2's word diff and revision 1 as it was signed.
 */
const SHOTS = "/tmp/shots-revisions";
const appeals: FixtureAppeal[] = [];
test.afterAll(async () => {
  for (const appeal of appeals) await deleteAppeal(appeal).catch(() => undefined);
  await closeFixtureDb();
});

const KK = {
  title: "Саябақты сақтап қалыңыз",
  summary: "Тұрғындар әкімдікке үндеу жолдайды.",
  body: "## Біз сұраймыз\n\nБіз әкімдікті саябақты сақтауға шақырамыз.\n\nҚұрылысты тоқтатуды сұраймыз.",
};
const RU = {
  title: "Сохраните парк",
  summary: "Жители обращаются к акимату.",
  body: "## Мы просим\n\nМы призываем акимат сохранить парк.\n\nПросим остановить стройку.",
};

test("an organizer corrects a Kazakh appeal, is asked to confirm the stale Russian translation, and a visitor reads what changed", async ({ browser }) => {
  test.setTimeout(180_000);
  mkdirSync(SHOTS, { recursive: true });
  const appeal = await createPublishedAppeal({ originalLanguage: "kk", versions: { kk: KK, ru: RU } });
  appeals.push(appeal);
  const base = `/dashboard/appeals/${appeal.id}`;

  const context = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, locale: "kk-KZ" });
  const page = await context.newPage();
  await signIn(page, appeal.ownerEmail);

  // The Russian translation saved: it is now known to follow the Kazakh original as it is.
  await page.goto(`${base}/text/ru?lang=kk`);
  await page.getByRole("button", { name: "Сақтау", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Сақталды.");

  // The original changes: a word added, one replaced.
  await page.goto(`${base}/text/kk`);
  await page
    .getByLabel("Мәтін (Markdown)")
    .fill("## Біз талап етеміз\n\nБіз қалалық әкімдікті саябақты толық сақтауға шақырамыз.\n\nҚұрылысты тоқтатуды сұраймыз.");
  await page.getByRole("button", { name: "Сақтау", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Сақталды.");

  // The overview flags the Russian translation.
  await page.goto(base);
  const russian = page.getByRole("listitem").filter({ hasText: RU.title });
  await expect(russian).toContainText("түпнұсқа өзгергеннен кейін жаңартылмаған");
  await expect(page.getByRole("listitem").filter({ hasText: "(түпнұсқа)" })).not.toContainText("жаңартылмаған");

  // Its editor says what changed in the original, word by word.
  await page.goto(`${base}/text/ru`);
  const notice = page.getByRole("region", { name: "түпнұсқа өзгергеннен кейін жаңартылмаған" });
  await expect(notice).toContainText("Бұл аударма соңғы рет сақталғаннан кейін түпнұсқа (Қазақ тілі) өзгерді.");
  await expect(notice.locator("ins").first()).toBeVisible();
  expect(await notice.locator("ins").allTextContents()).toEqual(expect.arrayContaining(["[қосылды: талап етеміз]", "[қосылды: қалалық ]"]));
  expect(await notice.locator("del").allTextContents()).toEqual(["[өшірілді: сұраймыз]"]);
  await notice.screenshot({ path: `${SHOTS}/stale-translation-kk.png` });
  await expectAccessible(page);

  // Publishing without the confirmation is refused, in Kazakh, and the change note is kept.
  await page.goto(base);
  const note = page.getByLabel("Өзгерістер туралы ескертпе (жария)");
  await note.fill("Талаптар нақтыланды");
  const confirm = page.getByLabel("Тексердім: бұл аудармаларды сол күйінде жариялау (Орыс тілі).");
  await expect(confirm).not.toBeChecked();
  await page.getByRole("button", { name: "Түзетуді жаңа редакция ретінде жариялау" }).click();
  await expect(page.locator("#f-confirmStale-error")).toHaveText(
    "Кейбір аудармалар түпнұсқа өзгергеннен кейін жаңартылмаған. Оларды сол күйінде жариялау үшін белгіні қойыңыз немесе алдымен жаңартыңыз.",
  );
  await expect(note).toHaveValue("Талаптар нақтыланды");
  await page.locator("section", { has: page.locator("#correction-h") }).screenshot({ path: `${SHOTS}/publish-refused-kk.png` });
  await expectAccessible(page);
  await confirm.check();
  await page.getByRole("button", { name: "Түзетуді жаңа редакция ретінде жариялау" }).click();
  await expect(page.getByRole("status")).toHaveText("2-редакция ретінде жарияланды.");
  await context.close();

  // A visitor: from the appeal page to the list of revisions, to the diff (plain links; axe needs scripts to run).
  const visitor = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, locale: "kk-KZ" });
  const pub = await visitor.newPage();
  await expect(async () => {
    await pub.goto(`/appeals/${appeal.slug}?lang=kk`);
    await expect(pub.getByRole("link", { name: "2-редакция · бұрынғы редакциялар" })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await pub.getByRole("link", { name: "2-редакция · бұрынғы редакциялар" }).click();
  await expect(pub.getByRole("heading", { level: 1 })).toContainText("Бұрынғы редакциялар");
  const items = pub.locator(".revision-list > li");
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText("2-редакция (қазіргі)");
  await expect(items.first()).toContainText("Не өзгерді: Талаптар нақтыланды");
  await pub.screenshot({ path: `${SHOTS}/revision-list-kk.png`, fullPage: true });
  await expectAccessible(pub);

  await items.first().getByRole("link", { name: "2-редакция" }).click();
  await expect(pub.getByRole("heading", { level: 2, name: "1-редакциямен салыстырғандағы өзгерістер" })).toBeVisible();
  const body = pub.locator(".diff").last();
  await expect(body.locator("del")).toHaveText(["[өшірілді: сұраймыз]"]);
  await expect(body.locator("ins")).toHaveText(["[қосылды: талап етеміз]", "[қосылды: қалалық ]", "[қосылды: толық ]"]);
  // Not colour alone: insertions underlined, deletions struck through.
  expect(
    await body
      .locator("ins")
      .first()
      .evaluate((e) => getComputedStyle(e).textDecorationLine),
  ).toBe("underline");
  expect(
    await body
      .locator("del")
      .first()
      .evaluate((e) => getComputedStyle(e).textDecorationLine),
  ).toBe("line-through");
  await pub.screenshot({ path: `${SHOTS}/revision-2-kk.png`, fullPage: true });
  await expectAccessible(pub);

  // The Russian version did not change in revision 2: said so.
  // (?lang= names the version and, being a language of the interface too, the interface's: as on the appeal page.)
  await pub.getByRole("navigation", { name: "Оқу тілі" }).getByRole("link", { name: "Русский" }).click();
  await expect(pub.getByText("Версия на языке «Русский» в этой редакции не изменилась.")).toBeVisible();

  // Revision 1, as it was signed.
  await pub.goto(`/appeals/${appeal.slug}/revisions/1?lang=kk`);
  await expect(pub.getByText("Бұл қазіргі мәтін емес: үндеу қазір 2-редакцияда.")).toBeVisible();
  await expect(pub.getByText("Біз әкімдікті саябақты сақтауға шақырамыз.")).toBeVisible();
  await expect(pub.getByText("Бұл — алғашқы жарияланған редакция: салыстыратын ештеңе жоқ.")).toBeVisible();
  await pub.screenshot({ path: `${SHOTS}/revision-1-kk.png`, fullPage: true });
  await visitor.close();
});

import crypto from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, expectAccessible, linkIn, mailbox, test, type MailMessage } from "./fixtures";
import {
  addListedSigners,
  closeFixtureDb,
  createPublishedAppeal,
  deleteAppeal,
  expireConfirmLinks,
  setAppealStatus,
  signaturesOf,
  type FixtureAppeal,
} from "./helpers/appeal-fixture";

/*
 * Signing, end to end: the form in the page's language (with and without JavaScript), the
 * confirmation e-mail from the real SMTP sink, the link pages, the count and the public list.
 * The e2e app runs with MIN_FILL_SECONDS=1 (see playwright-global), so a form is submitted at
 * least that long after it was loaded.
 */

const SHOTS = "/tmp/shots";
mkdirSync(SHOTS, { recursive: true });

const KK = {
  title: "Тәуелсіз журналистерді қорғаңыз",
  summary: "Коалиция журналистерді босатуды сұрайды.",
  body: "## Біз сұраймыз\n\n1. Ұсталған журналистерді **босатуды**.",
};
const RU = {
  title: "Защитите независимых журналистов",
  summary: "Коалиция просит освободить журналистов.",
  body: "## Мы просим\n\n1. **Освободить** задержанных журналистов.",
};
const EN = {
  title: "Protect independent journalists",
  summary: "A coalition asks for the release of journalists.",
  body: "## We ask\n\n1. To **release** the detained journalists.",
};

const MIN_FILL_MS = 1_200;
const base = () => process.env.E2E_BASE_URL ?? "";
const unique = () => crypto.randomBytes(4).toString("hex");
const newAddress = (prefix: string) => `${prefix}-${unique()}@example.org`;

const appeals: FixtureAppeal[] = [];
async function newAppeal(
  fields: Parameters<typeof createPublishedAppeal>[0]["fields"] = { city: "required", country: "optional", organization: "optional", position: "optional" },
) {
  const appeal = await createPublishedAppeal({ originalLanguage: "kk", versions: { kk: KK, ru: RU, en: EN }, fields, goal: 100 });
  appeals.push(appeal);
  return appeal;
}

test.afterAll(async () => {
  for (const appeal of appeals) await deleteAppeal(appeal).catch(() => undefined);
  await closeFixtureDb();
});

/** Each page visited, to check afterwards that the signer's address shows on none of them. */
function trackPages(page: Page) {
  const seen: Array<{ url: string; html: string }> = [];
  return {
    async record() {
      seen.push({ url: page.url(), html: await page.content() });
    },
    expectNoAddress(address: string) {
      expect(seen.length).toBeGreaterThan(0);
      for (const p of seen) expect(p.html.toLowerCase(), p.url).not.toContain(address.toLowerCase());
      // Not even the local part (e.g. in a "sent to a…@…" hint).
      for (const p of seen) expect(p.html, p.url).not.toContain(address.split("@")[0]!);
    },
  };
}

interface SignerInput {
  name: string;
  email: string;
  city?: string;
  country?: string;
  organization?: string;
  disclosureLabel: RegExp | string;
  keepInformed?: boolean;
}

async function fillSignForm(page: Page, s: SignerInput) {
  const form = page.locator("#sign form");
  await form.locator("#f-name").fill(s.name);
  await form.locator("#f-email").fill(s.email);
  if (s.city !== undefined) await form.locator("#f-city").fill(s.city);
  if (s.country !== undefined) await form.locator("#f-country").selectOption(s.country);
  if (s.organization !== undefined) await form.locator("#f-organization").fill(s.organization);
  await form.getByLabel(s.disclosureLabel).check();
  if (s.keepInformed) await form.locator("input[name=keepInformed]").check();
  await form.locator("input[name=consent]").check();
}

/**
 * With JavaScript on, waits until React owns the page before typing: if the browser formats
 * something differently from the server (a language it lacks locale data for), React renders
 * the whole document again and would drop what was typed before.
 */
async function ready(page: Page, selector = "#sign form") {
  await page.waitForLoadState("networkidle");
  await expect(async () => {
    const stable = await page.evaluate(async (sel) => {
      const el = document.querySelector(sel);
      if (!el || !Object.keys(el).some((k) => k.startsWith("__reactFiber"))) return false;
      await new Promise((r) => setTimeout(r, 250));
      return document.querySelector(sel) === el;
    }, selector);
    expect(stable).toBe(true);
  }).toPass({ timeout: 10_000 });
}

/** Loads the page, waits the minimum time-to-fill, fills and submits. */
async function signOn(page: Page, url: string, s: SignerInput, submitLabel: string, options: { js?: boolean } = {}) {
  await page.goto(url);
  const loadedAt = Date.now();
  if (options.js !== false) await ready(page);
  await fillSignForm(page, s);
  const wait = MIN_FILL_MS - (Date.now() - loadedAt);
  if (wait > 0) await page.waitForTimeout(wait);
  await page.locator("#sign").getByRole("button", { name: submitLabel }).click();
  await expect(page).toHaveURL(/\/sent$/);
}

async function mailsTo(address: string): Promise<MailMessage[]> {
  return (await mailbox.all()).filter(mailbox.to(address));
}

async function waitForMails(address: string, count: number): Promise<MailMessage[]> {
  await expect.poll(async () => (await mailsTo(address)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(count);
  return mailsTo(address);
}

/** Opens a link page and presses its button. */
async function pressLink(page: Page, link: string, button: string) {
  await page.goto(link);
  await ready(page, "main form");
  await page.getByRole("button", { name: button }).click();
}

async function jsOff(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ baseURL: base(), javaScriptEnabled: false, locale: "kk-KZ" });
}

test.describe("signing an appeal", () => {
  test("in Kazakh: the form with its errors, the e-mail from the SMTP server, the confirm button, the count and the list — the address shown nowhere", async ({
    page,
    browser,
  }) => {
    const appeal = await newAppeal();
    const pageUrl = `/appeals/${appeal.slug}?lang=kk`;
    const pages = trackPages(page);
    const aigerim = {
      name: "Айгерім Сейітқалиева",
      email: newAddress("aigerim"),
      city: "Қарағанды",
      country: "KZ",
      disclosureLabel: "Тек аты-жөнімнің бас әріптерін және қаламды көрсету",
    };

    await page.goto(pageUrl);
    const loadedAt = Date.now();
    await ready(page);
    await pages.record();
    const form = page.locator("#sign form");
    await expect(page.locator("html")).toHaveAttribute("lang", "kk");
    await expect(page.locator("#sign-h")).toBeVisible();
    // Every field the appeal asks for, in Kazakh.
    for (const label of [
      "Толық аты-жөніңіз",
      "Электрондық пошта мекенжайы",
      "Қала",
      "Ел (міндетті емес)",
      "Ұйым (міндетті емес)",
      "Лауазымы (міндетті емес)",
    ]) {
      await expect(form.locator("label", { hasText: label }).first()).toBeVisible();
    }
    await expect(form.getByRole("group", { name: "Қол қойғандардың жария тізімінде" })).toBeVisible();
    await expect(form.getByLabel("Атымды және қаламды көрсету")).toBeChecked();
    await expect(form.getByLabel("Мені жария көрсетпеу (атым бәрібір адресаттарға жіберілетін хатта болады)")).toBeVisible();
    await expect(form.getByText("Осы үндеу туралы жаңалықтарды хабарлау")).toBeVisible();
    await expect(form.getByText("Құпиялылық саясатымен келісемін")).toBeVisible();
    // The honeypot is out of sight and out of the accessibility tree.
    await expect(form.locator(".honeypot")).toHaveAttribute("aria-hidden", "true");
    await expect(form.locator("#f-website")).toHaveAttribute("tabindex", "-1");

    // First attempt: a mistyped address and no consent.
    await form.locator("#f-name").fill(aigerim.name);
    await form.locator("#f-email").fill("aigerim-at-example.org");
    await form.locator("#f-city").fill(aigerim.city);
    await form.locator("#f-country").selectOption("KZ");
    await form.getByLabel(aigerim.disclosureLabel).check();
    await page.waitForTimeout(Math.max(0, MIN_FILL_MS - (Date.now() - loadedAt)));
    await form.getByRole("button", { name: "Қол қою" }).click();
    await expect(page.getByRole("alert").first()).toHaveText("Белгіленген өрістерді түзетіңіз.");
    await expect(page.locator("#f-email-error")).toHaveText("Дұрыс мекенжай енгізіңіз, мысалы name@example.org.");
    await expect(page.locator("#f-consent-error")).toHaveText("Қол қою үшін құпиялылық саясатымен келісіңіз.");
    await expect(page.locator("#f-email")).toHaveAttribute("aria-invalid", "true");
    // What was typed stays.
    await expect(page.locator("#f-name")).toHaveValue(aigerim.name);
    await expect(page.locator("#f-email")).toHaveValue("aigerim-at-example.org");
    await expect(page.locator("#f-city")).toHaveValue(aigerim.city);
    await expect(page.locator("#f-country")).toHaveValue("KZ");
    await expect(page.getByLabel(aigerim.disclosureLabel)).toBeChecked();
    await page.locator("#sign").screenshot({ path: `${SHOTS}/sign-form-kk-errors.png` });
    await page.screenshot({ path: `${SHOTS}/sign-page-kk-errors.png`, fullPage: true });
    await expectAccessible(page);

    // Fixed at once (the form keeps the time it was first served: not taken for a bot).
    await page.locator("#f-email").fill(aigerim.email);
    await page.locator("#sign input[name=consent]").check();
    await page.locator("#sign").getByRole("button", { name: "Қол қою" }).click();
    await expect(page).toHaveURL(`${base()}/appeals/${appeal.slug}/sent`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Поштаңызды тексеріңіз");
    await expect(page.getByRole("status")).toContainText("Сілтеме 7 күн жарамды.");
    await pages.record();
    await page.screenshot({ path: `${SHOTS}/sent-kk.png`, fullPage: true });
    await expectAccessible(page);

    expect(await signaturesOf(appeal, aigerim.email)).toEqual([
      { status: "pending", lang: "kk", revision: 1, name: aigerim.name, city: aigerim.city, disclosure: "initials", keep_informed: false },
    ]);

    // The e-mail, in Kazakh, through the real SMTP server.
    const [mail] = await waitForMails(aigerim.email, 1);
    expect(mail!.subject).toBe(`Қолтаңбаңызды растаңыз: ${KK.title}`);
    expect(mail!.text).toContain("Соңғы қадам: қолтаңбаңызды растаңыз");
    expect(mail!.text).toContain(`Сәлеметсіз бе, ${aigerim.name}! Сіз «${KK.title}» үндеуіне қол қойдыңыз.`);
    expect(mail!.text).toContain("Сілтеме 7 күн жарамды.");
    expect(mail!.text).toContain("Бұл мен емеспін:");
    expect(mail!.html).toContain('lang="kk"');
    expect(mail!.html).toContain("Қолтаңбамды растау");
    const confirmLink = linkIn(mail!.text, `${base()}/s/confirm/`);
    linkIn(mail!.text, `${base()}/s/reject/`);
    linkIn(mail!.text, `${base()}/s/withdraw/`);

    // A mail scanner fetching the link changes nothing.
    expect((await page.request.get(confirmLink)).status()).toBe(200);
    expect((await signaturesOf(appeal, aigerim.email))[0]?.status).toBe("pending");

    await page.goto(confirmLink);
    await ready(page, "main form");
    await expect(page.locator("html")).toHaveAttribute("lang", "kk");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Қолтаңбаңызды растаңыз");
    await expect(page.getByText(`«${KK.title}» үндеуіне қойған қолыңызды растау үшін батырманы басыңыз.`)).toBeVisible();
    await pages.record();
    await page.screenshot({ path: `${SHOTS}/confirm-kk.png`, fullPage: true });
    await expectAccessible(page);
    await page.getByRole("button", { name: "Қолтаңбамды растау" }).click();
    // The thanks page: the count at once (unfolded deltas included) and the link to share.
    await expect(page).toHaveURL(`${base()}/appeals/${appeal.slug}/thanks`);
    await expect(page.getByRole("status")).toHaveText("Рахмет! Қолтаңбаңыз расталды.");
    await expect(page.getByText("Үндеуде қазір 1 қолтаңба.")).toBeVisible();
    await expect(page.getByRole("link", { name: KK.title })).toHaveAttribute("href", `/appeals/${appeal.slug}`);
    await expect(page.getByRole("textbox", { name: "Осы беттің сілтемесі" })).toHaveValue(`${base()}/appeals/${appeal.slug}`);
    await pages.record();
    await page.screenshot({ path: `${SHOTS}/confirmed-kk.png`, fullPage: true });
    await expectAccessible(page);
    expect((await signaturesOf(appeal, aigerim.email))[0]?.status).toBe("confirmed");

    // Pressing again (the same link, later): "already confirmed".
    await page.goto(confirmLink);
    await expect(page.getByRole("alert")).toHaveText("Бұл қолтаңба бұрын расталған. Рахмет!");
    await pages.record();

    // Two more signers: one public, without JavaScript; one not shown publicly.
    const galym = { name: "Ғалым Өтегенұлы", email: newAddress("galym"), city: "Өскемен", disclosureLabel: "Атымды және қаламды көрсету" };
    const noJs = await jsOff(browser);
    const plain = await noJs.newPage();
    await signOn(plain, pageUrl, galym, "Қол қою", { js: false });
    await expect(plain.getByRole("heading", { level: 1 })).toHaveText("Поштаңызды тексеріңіз");
    const galymMail = (await waitForMails(galym.email, 1))[0]!;
    await plain.goto(linkIn(galymMail.text, `${base()}/s/confirm/`));
    await plain.getByRole("button", { name: "Қолтаңбамды растау" }).click();
    await expect(plain.getByRole("status")).toHaveText("Рахмет! Қолтаңбаңыз расталды.");
    await noJs.close();

    const hibatulla = { name: "Һибатулла Ұзақбаев", email: newAddress("hibatulla"), city: "Түркістан", disclosureLabel: /Мені жария көрсетпеу/ };
    const other = await browser.newContext({ baseURL: base(), locale: "kk-KZ" });
    const otherPage = await other.newPage();
    await signOn(otherPage, pageUrl, hibatulla, "Қол қою");
    const hMail = (await waitForMails(hibatulla.email, 1))[0]!;
    await pressLink(otherPage, linkIn(hMail.text, `${base()}/s/confirm/`), "Қолтаңбамды растау");
    await expect(otherPage.getByRole("status")).toBeVisible();
    await other.close();

    // Counted within a few seconds (folded every 2 s; the page is cached for a few).
    const started = Date.now();
    await expect(async () => {
      await page.goto(pageUrl);
      await expect(page.locator(".count-box .count")).toHaveText("3 қолтаңба", { timeout: 500 });
    }).toPass({ timeout: 12_000, intervals: [500] });
    expect(Date.now() - started).toBeLessThan(12_000);
    const list = page.locator(".signer-list");
    await expect(list.locator("li")).toHaveCount(2);
    await expect(list).toContainText("А. С.");
    await expect(list).toContainText("Қарағанды");
    await expect(list).toContainText("Ғалым Өтегенұлы");
    await expect(list).toContainText("Өскемен");
    await expect(list).not.toContainText("Айгерім");
    await expect(list).not.toContainText("Ұзақбаев");
    await expect(list).not.toContainText("Түркістан");
    await pages.record();
    await page.screenshot({ path: `${SHOTS}/appeal-kk-counted.png`, fullPage: true });

    pages.expectNoAddress(aigerim.email);
    pages.expectNoAddress(galym.email);
    pages.expectNoAddress(hibatulla.email);
  });

  test("without JavaScript: errors in the page's language, values kept, then signed and confirmed by plain form posts", async ({ browser }) => {
    const appeal = await newAppeal();
    const context = await jsOff(browser);
    const page = await context.newPage();
    const email = newAddress("nojs");
    await page.goto(`/appeals/${appeal.slug}?lang=kk`);
    const action = await page.locator("#sign form").getAttribute("action");
    expect(action).toContain(`/appeals/${appeal.slug}`);
    await page.locator("#f-name").fill("Ғалым Өтегенұлы");
    await page.locator("#f-email").fill(email);
    await page.getByLabel("Тек аты-жөнімнің бас әріптерін және қаламды көрсету").check();
    await page.waitForTimeout(MIN_FILL_MS);
    await page.getByRole("button", { name: "Қол қою" }).click();
    // The city is required here; nothing else is lost.
    await expect(page.locator("#f-city-error")).toHaveText("Міндетті өріс.");
    await expect(page.locator("#f-consent-error")).toBeVisible();
    await expect(page.locator("#f-name")).toHaveValue("Ғалым Өтегенұлы");
    await expect(page.locator("#f-email")).toHaveValue(email);
    await expect(page.getByLabel("Тек аты-жөнімнің бас әріптерін және қаламды көрсету")).toBeChecked();
    expect(await signaturesOf(appeal, email)).toEqual([]);

    await page.locator("#f-city").fill("Өскемен");
    await page.locator("input[name=consent]").check();
    await page.getByRole("button", { name: "Қол қою" }).click();
    await expect(page).toHaveURL(`${base()}/appeals/${appeal.slug}/sent`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Поштаңызды тексеріңіз");
    const mail = (await waitForMails(email, 1))[0]!;
    await page.goto(linkIn(mail.text, `${base()}/s/confirm/`));
    await page.getByRole("button", { name: "Қолтаңбамды растау" }).click();
    await expect(page.getByRole("status")).toHaveText("Рахмет! Қолтаңбаңыз расталды.");
    expect(await signaturesOf(appeal, email)).toMatchObject([{ status: "confirmed", city: "Өскемен", disclosure: "initials" }]);
    await context.close();
  });

  test("bad input in Russian: every error in Russian, the values kept, accessible; nothing stored until it is fixed", async ({ page }) => {
    const appeal = await newAppeal();
    const email = newAddress("ekaterina");
    await page.goto(`/appeals/${appeal.slug}?lang=ru`);
    const loadedAt = Date.now();
    await ready(page);
    const form = page.locator("#sign form");
    await form.locator("#f-name").fill("   ");
    await form.locator("#f-email").fill("ekaterina@");
    await form.locator("#f-organization").fill("«Мемориал»");
    await form.locator("#f-position").fill("Юрист");
    await form.getByLabel("Не показывать меня публично (имя всё равно будет в письме адресатам)").check();
    await form.locator("input[name=keepInformed]").check();
    await page.waitForTimeout(Math.max(0, MIN_FILL_MS - (Date.now() - loadedAt)));
    await form.getByRole("button", { name: "Подписать" }).click();

    await expect(page.getByRole("alert").first()).toHaveText("Исправьте, пожалуйста, отмеченные поля.");
    await expect(page.locator("#f-name-error")).toHaveText("Обязательное поле.");
    await expect(page.locator("#f-email-error")).toHaveText("Введите корректный адрес, например name@example.org.");
    await expect(page.locator("#f-city-error")).toHaveText("Обязательное поле.");
    await expect(page.locator("#f-consent-error")).toHaveText("Чтобы подписать, согласитесь с политикой конфиденциальности.");
    for (const id of ["#f-name", "#f-email", "#f-city"]) await expect(page.locator(id)).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#f-email")).toHaveValue("ekaterina@");
    await expect(page.locator("#f-organization")).toHaveValue("«Мемориал»");
    await expect(page.locator("#f-position")).toHaveValue("Юрист");
    await expect(page.getByLabel("Не показывать меня публично (имя всё равно будет в письме адресатам)")).toBeChecked();
    await expect(page.locator("input[name=keepInformed]")).toBeChecked();
    await page.locator("#sign").screenshot({ path: `${SHOTS}/sign-form-ru-errors.png` });
    await expectAccessible(page);

    // A name with a control character (pasted from somewhere) is refused too.
    await page.locator("#f-name").fill("Екатерина\u0007 Вьюгина");
    await page.locator("#f-email").fill(email);
    await page.locator("#f-city").fill("Санкт-Петербург");
    await page.locator("input[name=consent]").check();
    await page.getByRole("button", { name: "Подписать" }).click();
    await expect(page.locator("#f-name-error")).toHaveText("Удалите невидимые управляющие символы.");
    await expect(page.locator("#f-email")).toHaveValue(email);
    expect(await signaturesOf(appeal, email)).toEqual([]);

    await page.locator("#f-name").fill("Екатерина Вьюгина");
    await page.getByRole("button", { name: "Подписать" }).click();
    await expect(page).toHaveURL(`${base()}/appeals/${appeal.slug}/sent`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Проверьте почту");
    await expect(page.getByRole("status")).toContainText("Ссылка действует 7 дней.");
    await expectAccessible(page);
    expect(await signaturesOf(appeal, email)).toMatchObject([{ status: "pending", lang: "ru", disclosure: "private", keep_informed: true }]);
    const mail = (await waitForMails(email, 1))[0]!;
    expect(mail.subject).toBe(`Подтвердите подпись: ${RU.title}`);
  });

  test("an unknown appeal is a 404; a closed appeal says so clearly, keeps the form's values and stores nothing", async ({ page }) => {
    const missing = await page.goto("/appeals/no-such-appeal-here?lang=ru");
    expect(missing?.status()).toBe(404);

    const appeal = await newAppeal();
    const email = newAddress("late");
    await page.goto(`/appeals/${appeal.slug}?lang=ru`);
    await ready(page);
    await fillSignForm(page, { name: "Екатерина Вьюгина", email, city: "Санкт-Петербург", disclosureLabel: "Показывать моё имя и город" });
    await setAppealStatus(appeal, "closed");
    await page.waitForTimeout(MIN_FILL_MS);
    await page.locator("#sign").getByRole("button", { name: "Подписать" }).click();
    await expect(page.getByRole("alert")).toHaveText("Это обращение больше не принимает подписи.");
    await expect(page).not.toHaveURL(/\/sent$/);
    expect(await signaturesOf(appeal, email)).toEqual([]);
    // Once the page knows it is closed, the form is gone and the final count shown.
    await expect(async () => {
      await page.goto(`/appeals/${appeal.slug}?lang=ru`);
      await expect(page.locator("#sign")).toHaveCount(0, { timeout: 500 });
    }).toPass({ timeout: 10_000 });
  });

  test("expired and tampered links: a clear message in the page's language, nothing confirmed", async ({ page }) => {
    const appeal = await newAppeal();
    const email = newAddress("expired");
    await signOn(
      page,
      `/appeals/${appeal.slug}?lang=ru`,
      { name: "Олександр Ґудзь", email, city: "Київ", disclosureLabel: "Показывать моё имя и город" },
      "Подписать",
    );
    const mail = (await waitForMails(email, 1))[0]!;
    const confirmLink = linkIn(mail.text, `${base()}/s/confirm/`);

    const tampered = confirmLink.replace(/\/s\/confirm\/([A-Za-z0-9_-]+)/, (_, t: string) => `/s/confirm/${t.slice(0, -1)}${t.endsWith("A") ? "B" : "A"}`);
    await page.goto(tampered);
    await expect(page.locator("html")).toHaveAttribute("lang", "ru");
    await expect(page.getByRole("alert")).toHaveText("Ссылка недействительна: возможно, она уже использована или в ней опечатка.");
    await expect(page.getByRole("button")).toHaveCount(0);
    await page.screenshot({ path: `${SHOTS}/confirm-ru-tampered.png`, fullPage: true });
    await expectAccessible(page);
    // Pressing on a tampered link (a crafted POST) answers 400, not 500.
    expect((await page.request.post(tampered)).status()).toBe(400);
    expect((await page.request.get(`/s/confirm/${"x".repeat(300)}`)).status()).toBe(200);

    await expireConfirmLinks(appeal, email);
    await page.goto(confirmLink);
    await expect(page.getByRole("alert")).toHaveText("Срок действия ссылки истёк. Пожалуйста, подпишите ещё раз.");
    await expect(page.getByRole("link", { name: RU.title })).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/confirm-ru-expired.png`, fullPage: true });
    await expectAccessible(page);
    expect((await page.request.post(confirmLink)).status()).toBe(410);
    expect(await signaturesOf(appeal, email)).toMatchObject([{ status: "pending" }]);

    // Signing again sends a link that works.
    await signOn(
      page,
      `/appeals/${appeal.slug}?lang=ru`,
      { name: "Олександр Ґудзь", email, city: "Київ", disclosureLabel: "Показывать моё имя и город" },
      "Подписать",
    );
    const fresh = (await waitForMails(email, 2))[1]!;
    await pressLink(page, linkIn(fresh.text, `${base()}/s/confirm/`), "Подтвердить подпись");
    await expect(page.getByRole("status")).toHaveText("Спасибо! Ваша подпись подтверждена.");
  });

  test("'it wasn't me' deletes the pending signature and its address", async ({ page }) => {
    const appeal = await newAppeal();
    const email = newAddress("notme");
    await signOn(page, `/appeals/${appeal.slug}?lang=en`, { name: "Jürgen Weiß", email, city: "Nürnberg", disclosureLabel: "Show my name and city" }, "Sign");
    const mail = (await waitForMails(email, 1))[0]!;
    expect(mail.subject).toBe(`Confirm your signature: ${EN.title}`);
    await page.goto(linkIn(mail.text, `${base()}/s/reject/`));
    await ready(page, "main form");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("It wasn't me");
    await expectAccessible(page);
    await page.getByRole("button", { name: "Delete this signature" }).click();
    await expect(page.getByRole("status")).toHaveText("Deleted. Sorry for the trouble: you will not hear from us again about this.");
    expect(await signaturesOf(appeal, email)).toEqual([]);
    await page.goto(linkIn(mail.text, `${base()}/s/confirm/`));
    await expect(page.getByRole("alert")).toHaveText("This link is not valid. It may have been used, or mistyped.");
  });

  test("an address that already signed gets an 'already signed' e-mail instead of a second signature; its withdraw link works until delivery, then the withdrawal is recorded", async ({
    page,
  }) => {
    const appeal = await newAppeal();
    const local = `jane.doe.${unique()}`;
    const email = `${local}@gmail.com`;
    await signOn(
      page,
      `/appeals/${appeal.slug}?lang=en`,
      { name: "Zofia Łukasiewicz-Żółć", email, city: "Łódź", disclosureLabel: "Show my name and city" },
      "Sign",
    );
    const first = (await waitForMails(email, 1))[0]!;
    await pressLink(page, linkIn(first.text, `${base()}/s/confirm/`), "Confirm my signature");
    await expect(page.getByRole("status")).toHaveText("Thank you! Your signature is confirmed.");

    // The same Gmail mailbox spelled differently: the same "check your e-mail" page.
    const alias = `${local.replace(/\./g, "")}+again@gmail.com`;
    await signOn(page, `/appeals/${appeal.slug}?lang=en`, { name: "Zofia Ł.", email: alias, city: "Łódź", disclosureLabel: "Show my name and city" }, "Sign");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your e-mail");
    const already = (await waitForMails(alias, 1))[0]!;
    expect(already.subject).toBe(`You have already signed: ${EN.title}`);
    expect(already.text).toContain("Your earlier signature stands; nothing else was recorded.");
    expect(already.text).not.toContain("/s/confirm/");
    expect(await signaturesOf(appeal, email)).toMatchObject([{ status: "confirmed", name: "Zofia Łukasiewicz-Żółć" }]);
    expect(await signaturesOf(appeal, alias)).toEqual([]);

    // Withdraw before delivery: gone, and uncounted.
    await page.goto(linkIn(already.text, `${base()}/s/withdraw/`));
    await ready(page, "main form");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Withdraw your signature");
    await expectAccessible(page);
    await page.getByRole("button", { name: "Withdraw my signature" }).click();
    await expect(page.getByRole("status")).toHaveText("Your signature has been withdrawn.");
    expect(await signaturesOf(appeal, email)).toEqual([]);
    await expect(async () => {
      await page.goto(`/appeals/${appeal.slug}?lang=en`);
      await expect(page.locator(".count-box .count")).toHaveText("0 signatures", { timeout: 500 });
    }).toPass({ timeout: 12_000 });

    // After delivery: the name stays in the letter; the withdrawal is recorded.
    const late = newAddress("late");
    await signOn(
      page,
      `/appeals/${appeal.slug}?lang=en`,
      { name: "François-Xavier Lœuvre", email: late, city: "Besançon", disclosureLabel: "Show my name and city" },
      "Sign",
    );
    const lateMail = (await waitForMails(late, 1))[0]!;
    await pressLink(page, linkIn(lateMail.text, `${base()}/s/confirm/`), "Confirm my signature");
    await expect(page.getByRole("status")).toHaveText("Thank you! Your signature is confirmed.");
    await setAppealStatus(appeal, "delivered");
    await page.goto(linkIn(lateMail.text, `${base()}/s/withdraw/`));
    await ready(page, "main form");
    await expect(page.getByText("The letter has already been delivered, so your name stays in it")).toBeVisible();
    await page.getByRole("button", { name: "Withdraw my signature" }).click();
    await expect(page.getByRole("status")).toHaveText("Your withdrawal has been recorded.");
    expect(await signaturesOf(appeal, late)).toMatchObject([{ status: "withdrawn", name: "François-Xavier Lœuvre" }]);
  });

  test("the public list pages by key: older and newer links work without JavaScript; an old ?page= link opens the newest page", async ({ browser }) => {
    const appeal = await newAppeal();
    await addListedSigners(appeal, 120);
    const context = await browser.newContext({ baseURL: base(), javaScriptEnabled: false, locale: "en-US" });
    const page = await context.newPage();
    const names = () => page.locator(".signer-list .signer-name").allTextContents();
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `Listed ${String(from + i).padStart(3, "0")}`);
    const older = page.getByRole("link", { name: "More signatories" });
    const newer = page.getByRole("link", { name: "Newer signatories" });

    await page.goto(`/appeals/${appeal.slug}?lang=en`);
    expect(await names()).toEqual(range(1, 50));
    await expect(newer).toHaveCount(0);
    await older.click();
    expect(await names()).toEqual(range(51, 100));
    expect(page.url()).not.toContain("page=");
    await older.click();
    expect(await names()).toEqual(range(101, 120));
    await expect(older).toHaveCount(0);
    await newer.click();
    expect(await names()).toEqual(range(51, 100));
    await newer.click();
    expect(await names()).toEqual(range(1, 50));
    await expect(newer).toHaveCount(0);

    // A link from before keyset paging, and an edited cursor: the newest page, not an error.
    const old = await page.goto(`/appeals/${appeal.slug}?lang=en&page=2`);
    expect(old?.status()).toBe(200);
    expect(await names()).toEqual(range(1, 50));
    const edited = await page.goto(`/appeals/${appeal.slug}?lang=en&after=not-a-cursor`);
    expect(edited?.status()).toBe(200);
    expect(await names()).toEqual(range(1, 50));
    await context.close();
  });
});

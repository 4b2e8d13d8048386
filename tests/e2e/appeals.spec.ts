import { execFile } from "node:child_process";
import crypto from "node:crypto";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, expectAccessible, linkIn, mailbox, test } from "./fixtures";

const run = promisify(execFile);

const unique = () => `${Date.now().toString(36)}-${crypto.randomBytes(3).toString("hex")}`;

/** `npm run org:create` against the app's database, as an operator would. */
async function createOrganization(name: string, owner: string) {
  const { stdout } = await run("npm", ["run", "--silent", "org:create", "--", "--name", name, "--owner", owner], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, LOG_REQUESTS: "0" },
    timeout: 60_000,
  });
  expect(stdout).toContain(`Created organization`);
}

/** Signs in through the login form and the one-time link that arrives by e-mail. */
async function signIn(page: Page, email: string, options: { checkAccessible?: boolean; goingTo?: string } = {}) {
  const before = (await mailbox.all()).filter(mailbox.to(email)).length;
  // Going to a dashboard page while signed out leads to the form, and back there afterwards.
  await page.goto(options.goingTo ?? "/login");
  if (options.goingTo) await expect(page).toHaveURL(`/login?next=${encodeURIComponent(options.goingTo)}`);
  if (options.checkAccessible) await expectAccessible(page);
  await page.getByRole("textbox", { name: /e-mail|почты|пошта/i }).fill(email);
  await page.locator("form button[type=submit]").click();
  await expect(page.getByRole("status")).toBeVisible();
  const deadline = Date.now() + 20_000;
  let mails = (await mailbox.all()).filter(mailbox.to(email));
  while (mails.length <= before) {
    if (Date.now() > deadline) throw new Error(`no sign-in e-mail for ${email}`);
    await new Promise((r) => setTimeout(r, 200));
    mails = (await mailbox.all()).filter(mailbox.to(email));
  }
  const mail = mails[mails.length - 1]!;
  const link = linkIn(mail.text, `${process.env.E2E_BASE_URL}/login/t/`);
  // A mail scanner fetching the link consumes nothing.
  const scanned = await page.request.get(link);
  expect(scanned.status()).toBe(200);
  await page.goto(link);
  await page.locator("form button[type=submit]").click();
  await expect(page).toHaveURL(options.goingTo ?? /\/dashboard$/);
  return { mail, link };
}

async function newVisitor(browser: Browser, options: { locale?: string } = {}): Promise<BrowserContext> {
  return browser.newContext({ baseURL: process.env.E2E_BASE_URL, locale: options.locale ?? "en-US" });
}

const RU = {
  title: "Остановите преследование журналистов",
  summary: "Коалиция просит парламент добиться освобождения журналистов.",
  body: '## Мы просим\n\n1. **Освободить** задержанных журналистов.\n2. Защитить свободу слова.\n\n<script>window.__pwned = 1</script>\n\n<img src=x onerror="window.__pwned = 2">',
};
const EN = {
  title: "Stop the persecution of journalists",
  summary: "A coalition asks parliament to secure the release of journalists.",
  body: "## We ask you\n\n1. To **release** the detained journalists.\n2. To protect freedom of expression.",
};
const KK = {
  title: "Журналистерді қудалауды тоқтатыңыз",
  summary: "Коалиция парламенттен журналистерді босатуды сұрайды.",
  body: "## Біз сұраймыз\n\n1. Ұсталған журналистерді **босатуды**.\n2. Сөз бостандығын қорғауды.",
};
const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");

async function fillVersion(page: Page, text: { title?: string; summary?: string; body?: string }) {
  if (text.title !== undefined) await page.getByRole("textbox", { name: "Title", exact: true }).fill(text.title);
  if (text.summary !== undefined) await page.getByLabel("Short summary").fill(text.summary);
  if (text.body !== undefined) await page.getByLabel("Text (Markdown)").fill(text.body);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
}

async function addLanguage(page: Page, base: string, lang: string) {
  await page.goto(base);
  await page.waitForLoadState("networkidle");
  await page.locator("#f-lang").selectOption(lang);
  await page.getByRole("button", { name: "Add a language" }).click();
  await expect(page).toHaveURL(`${base}/text/${lang}`);
}

async function addAddressee(page: Page, base: string, byLanguage: Record<string, { name: string; position?: string; institution?: string }>, email?: string) {
  await page.goto(`${base}/addressees`);
  const form = page.getByRole("region", { name: "Add addressee" });
  for (const [language, text] of Object.entries(byLanguage)) {
    const group = form.getByRole("group", { name: `In ${language}` });
    await group.getByRole("textbox", { name: "Name", exact: true }).fill(text.name);
    if (text.position) await group.getByRole("textbox", { name: "Position", exact: true }).fill(text.position);
    if (text.institution) await group.getByRole("textbox", { name: "Institution", exact: true }).fill(text.institution);
  }
  if (email) await form.getByLabel(/E-mail for delivery/).fill(email);
  await form.getByRole("button", { name: "Add addressee" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
}

/** The public page, fresh: the page and the server keep it for a few seconds. */
async function expectPublic(page: Page, url: string, check: () => Promise<void>) {
  await expect(async () => {
    await page.goto(url, { waitUntil: "domcontentloaded" });
    await check();
  }).toPass({ timeout: 15_000 });
}

test.describe("appeals: organizers draft and publish, visitors read", () => {
  test("an organizer signs in by e-mail, drafts in Russian with English and Kazakh versions, publishes after fixing what is missing; visitors read it in each language", async ({
    page,
    browser,
    baseURL,
  }) => {
    test.setTimeout(180_000);
    const email = `organizer-${unique()}@example.org`;
    const slug = `free-press-${unique()}`;
    await createOrganization("Правозащитный центр", email);
    // A page that breaks in the browser (an error thrown while rendering or hydrating) fails the test.
    const crashes: string[] = [];
    page.on("pageerror", (error) => crashes.push(`${page.url()}: ${error.message}`));

    await signIn(page, email, { checkAccessible: true });
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dashboard");
    await expect(page.getByRole("link", { name: "Правозащитный центр" })).toBeVisible();
    await expectAccessible(page);

    // A draft in Russian.
    await page.getByRole("textbox", { name: "Title", exact: true }).fill(RU.title);
    await page.getByRole("textbox", { name: "Web address" }).fill(slug);
    await page.getByLabel("Original language").selectOption("ru");
    await page.getByRole("button", { name: "Create draft" }).click();
    await expect(page).toHaveURL(/\/dashboard\/appeals\/\d+$/);
    const base = new URL(page.url()).pathname;
    const appealId = Number(base.split("/").pop());
    await expect(page.getByRole("heading", { level: 1 })).toContainText(RU.title);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Draft");

    // English complete, Kazakh with its title only; the Russian text is still empty.
    await addLanguage(page, base, "en");
    await fillVersion(page, EN);
    await expectAccessible(page);
    await addLanguage(page, base, "kk");
    await fillVersion(page, { title: KK.title, summary: KK.summary });

    await addAddressee(
      page,
      base,
      {
        Russian: { name: "Роберта Метсола", position: "Председателю Европейского парламента", institution: "Европейский парламент" },
        English: { name: "Roberta Metsola", position: "President of the European Parliament", institution: "European Parliament" },
        Kazakh: { name: "Роберта Метсола", position: "Еуропалық парламенттің Төрағасына", institution: "Еуропалық парламент" },
      },
      "president@parliament.example",
    );
    await addAddressee(page, base, {
      Russian: { name: "Фолькер Тюрк", position: "Верховному комиссару ООН по правам человека" },
      English: { name: "Volker Türk", position: "UN High Commissioner for Human Rights" },
    });
    await expect(page.getByRole("listitem").filter({ hasText: "Роберта Метсола" })).toBeVisible();
    await expectAccessible(page);

    // Publishing too early says precisely what is missing.
    await page.goto(base);
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    const problems = page.getByRole("alert").filter({ hasText: "The appeal cannot be published yet:" });
    await expect(problems.getByRole("listitem")).toHaveText(["The Kazakh version has no text.", "The Russian version has no text."]);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Draft");
    await expectAccessible(page);

    // Complete, add a document and a goal, preview, publish.
    await page.goto(`${base}/text/ru`);
    await fillVersion(page, { summary: RU.summary, body: RU.body });
    await page.goto(`${base}/text/kk`);
    await fillVersion(page, { body: KK.body });

    await page.goto(`${base}/attachments`);
    await expectAccessible(page);
    await page
      .getByLabel("File (PDF, PNG or JPEG, up to 10 MB)")
      .setInputFiles({ name: "notes.pdf", mimeType: "application/pdf", buffer: Buffer.from("This is plain text pretending to be a PDF.") });
    await page.getByRole("button", { name: "Upload" }).click();
    await expect(page.getByRole("alert")).toHaveText("Only PDF, PNG and JPEG files are accepted (checked by their content).");
    await page.getByLabel("File (PDF, PNG or JPEG, up to 10 MB)").setInputFiles({ name: "Доклад.pdf", mimeType: "application/pdf", buffer: PDF });
    await page.getByLabel("Language of the document").selectOption("ru");
    await page.getByRole("button", { name: "Upload" }).click();
    await expect(page.getByRole("status")).toHaveText("Saved.");
    await expect(page.getByRole("link", { name: "Доклад.pdf" })).toBeVisible();

    await page.goto(`${base}/settings`);
    await expectAccessible(page);
    await page.getByLabel("Signature goal (optional)").fill("100");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.getByRole("status")).toHaveText("Saved.");

    await page.goto(`${base}/preview?lang=en`);
    await expect(page.getByRole("status")).toContainText("Preview");
    await expect(page.getByRole("heading", { level: 1, name: EN.title })).toBeVisible();
    await expectAccessible(page);

    // Not public yet.
    const visitor = await newVisitor(browser);
    const reader = await visitor.newPage();
    expect((await reader.goto(`/appeals/${slug}`))?.status()).toBe(404);

    await page.goto(base);
    await expect(page.getByRole("alert")).toHaveCount(0);
    // The Russian original changed after the English version was saved: publishing asks to confirm it.
    await page.getByLabel("I have checked: publish these translations as they are (English).").check();
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await expect(page.getByRole("status")).toHaveText("Published as revision 1.");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Open for signatures");
    await expectAccessible(page);

    // A visitor reads it in each language.
    const pageUrl = (lang: string) => `${baseURL}/appeals/${slug}?lang=${lang}`;
    await expectPublic(reader, `/appeals/${slug}?lang=ru`, async () => {
      await expect(reader.getByRole("heading", { level: 1 })).toHaveText(RU.title, { timeout: 1000 });
    });
    await expect(reader.locator("html")).toHaveAttribute("lang", "ru");
    await expect(reader.locator(".translation-note")).toHaveCount(0);
    const switcher = reader.getByRole("navigation", { name: "Читать на языке" });
    await expect(switcher.getByRole("link")).toHaveText(["Русский", "English", "Қазақша"]);
    await expect(switcher.getByRole("listitem").first()).toContainText("(оригинал)");
    await expect(reader.getByRole("region", { name: "Адресаты" }).getByRole("listitem")).toHaveText([
      "Роберта Метсола, Председателю Европейского парламента, Европейский парламент",
      "Фолькер Тюрк, Верховному комиссару ООН по правам человека",
    ]);
    await expect(reader.locator("body")).not.toContainText("parliament.example");
    await expect(reader.getByText("0 из 100 подписей")).toBeVisible();
    // Markdown is rendered; raw HTML in it is shown as text and never runs.
    await expect(reader.locator(".appeal-body strong")).toHaveText("Освободить");
    await expect(reader.locator(".appeal-body")).toContainText("<script>window.__pwned = 1</script>");
    await expect(reader.locator(".appeal-body img, .appeal-body script")).toHaveCount(0);
    expect(await reader.evaluate(() => "__pwned" in window)).toBe(false);
    await expectAccessible(reader);

    await expectPublic(reader, `/appeals/${slug}?lang=en`, async () => {
      await expect(reader.getByRole("heading", { level: 1 })).toHaveText(EN.title, { timeout: 1000 });
    });
    await expect(reader.locator(".translation-note")).toHaveText("Translation from Russian; the Russian text is authoritative.");
    await expect(reader.getByRole("navigation", { name: "Read in" }).getByRole("listitem").first()).toContainText("(original)");
    await expect(reader.getByRole("region", { name: "Addressed to" }).getByRole("listitem")).toHaveText([
      "Roberta Metsola, President of the European Parliament, European Parliament",
      "Volker Türk, UN High Commissioner for Human Rights",
    ]);
    await expect(reader.getByText("0 signatures", { exact: true })).toBeVisible();
    await expect(reader.getByText("0 of 100 signatures")).toBeVisible();
    await expect(reader.locator('link[rel="canonical"]')).toHaveAttribute("href", pageUrl("en"));
    await expect(reader.locator('meta[property="og:title"]')).toHaveAttribute("content", EN.title);
    await expect(reader.locator('meta[property="og:description"]')).toHaveAttribute("content", EN.summary);
    await expect(reader.locator('meta[property="og:url"]')).toHaveAttribute("content", pageUrl("en"));
    await expect(reader.locator('meta[name="twitter:card"]')).toHaveAttribute("content", /summary/);
    await expect(reader.locator('meta[name="twitter:title"]')).toHaveAttribute("content", EN.title);
    for (const lang of ["ru", "en", "kk"]) await expect(reader.locator(`link[rel="alternate"][hreflang="${lang}"]`)).toHaveAttribute("href", pageUrl(lang));
    // Share links are plain links carrying the page's address; no script involved.
    await expect(reader.getByLabel("Link to this page")).toHaveValue(pageUrl("en"));
    const shares = reader.locator(".share-links a");
    expect(await shares.count()).toBeGreaterThanOrEqual(3);
    for (const href of await shares.evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""))) {
      expect(href).toMatch(/^(https:\/\/|mailto:)/);
      expect(href).toContain(encodeURIComponent(pageUrl("en")));
    }
    expect(await shares.evaluateAll((links) => links.filter((a) => a.hasAttribute("onclick")).length)).toBe(0);
    // The supporting document downloads.
    const [download] = await Promise.all([reader.waitForEvent("download"), reader.getByRole("link", { name: "Доклад.pdf" }).click()]);
    expect(download.suggestedFilename()).toBe("Доклад.pdf");
    await expectAccessible(reader);

    await expectPublic(reader, `/appeals/${slug}?lang=kk`, async () => {
      await expect(reader.getByRole("heading", { level: 1 })).toHaveText(KK.title, { timeout: 1000 });
    });
    // After the browser has taken over the page (hydration), dates, numbers and language names
    // are still the server's: Kazakh is formatted the same whatever the browser's Intl data.
    await reader.waitForLoadState("networkidle");
    await expect(reader.locator(".translation-note")).toHaveText("Аударма, түпнұсқа тілі: Орыс тілі; түпнұсқа мәтін заңды күшке ие.");
    await expect(reader.locator(".appeal > .meta")).toContainText(/^\d{4} ж\. \d{1,2} \S+ жарияланды/);
    await expect(reader.getByText("100 қолтаңбаның 0")).toBeVisible();
    // The Kazakh text of the second addressee is missing: the original's is shown.
    await expect(reader.getByRole("region", { name: "Адресаттар" }).getByRole("listitem").nth(1)).toHaveText(
      "Фолькер Тюрк, Верховному комиссару ООН по правам человека",
    );
    await expectAccessible(reader);
    // The language chosen is remembered by the cookie.
    await expectPublic(reader, `/appeals/${slug}`, async () => {
      await expect(reader.getByRole("heading", { level: 1 })).toHaveText(KK.title, { timeout: 1000 });
    });
    await visitor.close();

    // Accept-Language picks the version on a first visit.
    const kazakh = await newVisitor(browser, { locale: "kk-KZ" });
    const kazakhPage = await kazakh.newPage();
    await expectPublic(kazakhPage, `/appeals/${slug}`, async () => {
      await expect(kazakhPage.getByRole("heading", { level: 1 })).toHaveText(KK.title, { timeout: 1000 });
    });
    await kazakh.close();

    // The page's Content-Security-Policy allows no inline script but this response's own: a public page
    // served from the page cache names each inline script by its SHA-256, any other page by a nonce.
    const anonymous = await newVisitor(browser);
    const response = await anonymous.request.get(`/appeals/${slug}?lang=en`);
    const csp = response.headers()["content-security-policy"] ?? "";
    const scriptSrc =
      csp
        .split(";")
        .map((d) => d.trim())
        .find((d) => d.startsWith("script-src")) ?? "";
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(csp).toContain("object-src 'none'");
    const html = await response.text();
    const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter(([, attrs]) => !/\bsrc=/.test(attrs ?? ""));
    expect(inline.length).toBeGreaterThan(0);
    const nonce = scriptSrc.match(/'nonce-([^']+)'/)?.[1];
    for (const [, attrs, body] of inline) {
      if (nonce) expect(attrs).toContain(`nonce="${nonce}"`);
      else
        expect(scriptSrc).toContain(
          `'sha256-${crypto
            .createHash("sha256")
            .update(body ?? "")
            .digest("base64")}'`,
        );
    }
    expect(html).not.toMatch(/\son(error|load|click)=/i);

    // The JSON API, open to other origins, without delivery addresses.
    const api = await anonymous.request.get(`/api/appeals/${slug}`);
    expect(api.status()).toBe(200);
    expect(api.headers()["access-control-allow-origin"]).toBe("*");
    expect(await api.text()).not.toContain("parliament.example");
    expect(await api.json()).toEqual({
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
          ru: { name: "Роберта Метсола", position: "Председателю Европейского парламента", institution: "Европейский парламент" },
          en: { name: "Roberta Metsola", position: "President of the European Parliament", institution: "European Parliament" },
          kk: { name: "Роберта Метсола", position: "Еуропалық парламенттің Төрағасына", institution: "Еуропалық парламент" },
        },
        {
          ru: { name: "Фолькер Тюрк", position: "Верховному комиссару ООН по правам человека", institution: "" },
          en: { name: "Volker Türk", position: "UN High Commissioner for Human Rights", institution: "" },
          kk: { name: "", position: "", institution: "" },
        },
      ],
      goal: 100,
      closesAt: null,
      revision: 1,
      signatures: { confirmed: 0 },
    });

    // The published text is frozen: a correction is a new revision with a public note. An edit
    // made against the older revision meanwhile is stale and says so, keeping what was typed.
    const editor = await page.context().newPage();
    await editor.goto(`${base}/text/en`);
    await page.goto(`${base}/text/ru`);
    await expect(page.getByText("Published text is frozen")).toBeVisible();
    await fillVersion(page, { title: `${RU.title}!` });
    const check = await anonymous.newPage();
    await check.waitForTimeout(2500); // past the public page's short cache
    await check.goto(`/appeals/${slug}?lang=ru`);
    await expect(check.getByRole("heading", { level: 1 })).toHaveText(RU.title);
    await check.close();
    await page.goto(base);
    await page.getByLabel("Change note (public)").fill("Уточнён заголовок");
    await page.getByLabel("I have checked: publish these translations as they are (English, Kazakh).").check();
    await page.getByRole("button", { name: "Publish the correction as a new revision" }).click();
    await expect(page.getByRole("status")).toHaveText("Published as revision 2.");

    await editor.getByRole("textbox", { name: "Title", exact: true }).fill("Stop persecuting journalists");
    await editor.getByRole("button", { name: "Save", exact: true }).click();
    await expect(editor.getByRole("alert")).toHaveText(
      "Someone published a new revision (2) while you were editing. Your text is kept below; review the current text and save again.",
    );
    await expect(editor.getByRole("textbox", { name: "Title", exact: true })).toHaveValue("Stop persecuting journalists");
    await expectAccessible(editor);
    await editor.getByRole("button", { name: "Save", exact: true }).click();
    await expect(editor.getByRole("status")).toHaveText("Saved.");
    await editor.close();
    await page.goto(base);
    await page.getByLabel("Change note (public)").fill("Clearer English title");
    await page.getByLabel("I have checked: publish these translations as they are (Kazakh).").check();
    await page.getByRole("button", { name: "Publish the correction as a new revision" }).click();
    await expect(page.getByRole("status")).toHaveText("Published as revision 3.");

    const later = await (await newVisitor(browser)).newPage();
    await expectPublic(later, `/appeals/${slug}?lang=en`, async () => {
      await expect(later.getByRole("heading", { level: 1 })).toHaveText("Stop persecuting journalists", { timeout: 1000 });
    });
    await expect(later.locator(".meta")).toContainText(/Revised on .+ \(revision 3\)/);
    await expect(later.getByRole("region", { name: "Changes to the text" }).getByRole("listitem")).toHaveText([
      /\(revision 2\): Уточнён заголовок$/,
      /\(revision 3\): Clearer English title$/,
    ]);
    await expectAccessible(later);

    // Closing by hand: no more signatures, the final count is shown.
    await page.goto(base);
    await page.getByRole("button", { name: "Close signing…" }).click();
    // It asks first (no JavaScript needed); nothing is closed yet.
    await expect(page.getByRole("region", { name: "Close signing?" })).toContainText("no more signatures are collected");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Open for signatures");
    await page.getByRole("button", { name: "Yes, close signing" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Closed");
    await expectPublic(later, `/appeals/${slug}?lang=en`, async () => {
      await expect(later.getByText("This appeal is closed and no longer accepts signatures. Final count: 0.")).toBeVisible({ timeout: 1000 });
    });
    await expect(later.locator("#sign")).toHaveCount(0);
    expect(appealId).toBeGreaterThan(0);
    expect(crashes).toEqual([]);
    await later.context().close();
    await anonymous.close();
  });

  test("a member of another organization gets 403 on the editor and 404 on the public page of a draft", async ({ page, browser }) => {
    test.setTimeout(120_000);
    const ownerEmail = `owner-${unique()}@example.org`;
    const strangerEmail = `stranger-${unique()}@example.org`;
    const slug = `draft-${unique()}`;
    await createOrganization("Первая организация", ownerEmail);
    await createOrganization("Other organization", strangerEmail);

    await signIn(page, ownerEmail);
    await page.getByRole("textbox", { name: "Title", exact: true }).fill("Секретный черновик");
    await page.getByRole("textbox", { name: "Web address" }).fill(slug);
    await page.getByRole("button", { name: "Create draft" }).click();
    await expect(page).toHaveURL(/\/dashboard\/appeals\/\d+$/);
    const base = new URL(page.url()).pathname;

    const strangerContext = await newVisitor(browser);
    const stranger = await strangerContext.newPage();
    await signIn(stranger, strangerEmail);
    await expect(stranger.getByText("Секретный черновик")).toHaveCount(0);
    for (const path of [base, `${base}/text/ru`, `${base}/settings`, `${base}/preview`]) {
      const response = await stranger.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(stranger.getByRole("heading", { level: 1 })).toHaveText("You do not have access to this page");
      await expect(stranger.locator("body")).not.toContainText("Секретный черновик");
    }
    await expectAccessible(stranger);
    const edit = await strangerContext.request.post(`${base}/text/ru`, { form: { title: "Hijacked", summary: "", body: "Hijacked", baseRevision: "0" } });
    expect(edit.status()).toBe(403);

    const publicPage = await stranger.goto(`/appeals/${slug}`);
    expect(publicPage?.status()).toBe(404);
    await expect(stranger.getByRole("heading", { level: 1 })).toHaveText("Page not found");
    expect((await strangerContext.request.get(`/api/appeals/${slug}`)).status()).toBe(404);
    await strangerContext.close();

    // Nothing changed; the owner's own preview shows the page.
    await page.goto(`${base}/preview`);
    await expect(page.getByRole("heading", { level: 1, name: "Секретный черновик", exact: true })).toBeVisible();
  });

  test("bad input is answered beside the field, in the page's language, keeping what was typed", async ({ page }) => {
    test.setTimeout(120_000);
    const email = `ru-organizer-${unique()}@example.org`;
    const slug = `dup-${unique()}`;
    await createOrganization("Центр", email);
    await signIn(page, email);
    await page.goto("/dashboard?lang=ru");

    await page.getByRole("textbox", { name: "Заголовок", exact: true }).fill("Первое");
    await page.getByRole("textbox", { name: "Веб-адрес" }).fill(slug);
    await page.getByRole("button", { name: "Создать черновик" }).click();
    await expect(page).toHaveURL(/\/dashboard\/appeals\/\d+$/);
    const base = new URL(page.url()).pathname;

    // Slug clash.
    await page.goto("/dashboard");
    await page.getByRole("textbox", { name: "Заголовок", exact: true }).fill("Второе");
    await page.getByRole("textbox", { name: "Веб-адрес" }).fill(slug);
    await page.getByRole("button", { name: "Создать черновик" }).click();
    await expect(page.locator("#f-slug-error")).toHaveText("Этот адрес уже занят другим обращением. Выберите другой.");
    await expect(page.getByRole("textbox", { name: "Веб-адрес" })).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("textbox", { name: "Заголовок", exact: true })).toHaveValue("Второе");
    await expectAccessible(page);

    // An unsupported language (a tampered form).
    await page.goto(base);
    await page.locator("#f-lang").evaluate((select: HTMLSelectElement) => {
      select.add(new Option("Klingon", "tlh"));
      select.value = "tlh";
    });
    await page.getByRole("button", { name: "Добавить язык" }).click();
    await expect(page.getByText("Этот язык не поддерживается.")).toBeVisible();
    await expectAccessible(page);

    // A missing addressee name and a bad delivery address.
    await page.goto(`${base}/addressees`);
    const form = page.getByRole("region", { name: "Добавить адресата" });
    await form.getByRole("textbox", { name: "Должность", exact: true }).fill("Министр иностранных дел");
    await form.getByLabel(/E-mail для доставки/).fill("не адрес");
    await form.getByRole("button", { name: "Добавить адресата" }).click();
    await expect(form.getByRole("group", { name: /Русский/i }).getByText("Обязательное поле.")).toBeVisible();
    await expect(form.getByText("Введите корректный адрес, например name@example.org.")).toBeVisible();
    await expect(form.getByRole("textbox", { name: "Должность", exact: true })).toHaveValue("Министр иностранных дел");
    await expectAccessible(page);

    // Settings.
    await page.goto(`${base}/settings`);
    await page.getByLabel("Цель по числу подписей (необязательно)").fill("-5");
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page.getByText("Введите целое число подписей или оставьте поле пустым.")).toBeVisible();
    await expect(page.getByLabel("Цель по числу подписей (необязательно)")).toHaveValue("-5");

    // Attachments: wrong type and too large, each with its own message.
    await page.goto(`${base}/attachments`);
    const file = page.getByLabel("Файл (PDF, PNG или JPEG, до 10 МБ)");
    await file.setInputFiles({ name: "письмо.pdf", mimeType: "application/pdf", buffer: Buffer.from("Это просто текст.") });
    await page.getByRole("button", { name: "Загрузить" }).click();
    await expect(page.getByRole("alert")).toHaveText("Принимаются только файлы PDF, PNG и JPEG (проверяется содержимое).");
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
    PDF.copy(big);
    await file.setInputFiles({ name: "большой.pdf", mimeType: "application/pdf", buffer: big });
    await page.getByRole("button", { name: "Загрузить" }).click();
    await expect(page.getByRole("alert")).toHaveText("Файл больше 10 МБ.");
    await expectAccessible(page);
  });

  test("the sign-in form answers the same for anyone; sessions are httpOnly/Lax cookies; signing out everywhere ends other sessions", async ({
    page,
    browser,
  }) => {
    test.setTimeout(120_000);
    const email = `two-devices-${unique()}@example.org`;
    const nobody = `nobody-${unique()}@example.org`;
    await createOrganization("Two devices", email);

    await page.goto("/login");
    await page.getByRole("textbox", { name: "E-mail address" }).fill(nobody);
    await page.getByRole("button", { name: "Send me a sign-in link" }).click();
    const answerForNobody = await page.getByRole("status").textContent();

    const { link } = await signIn(page, email);
    const [session] = (await page.context().cookies()).filter((c) => c.name === "__session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Lax");

    // The link works once.
    const reused = await (await newVisitor(browser)).newPage();
    await reused.goto(link);
    await expect(reused.getByRole("alert")).toHaveText("This sign-in link has already been used. Ask for a new one.");
    await reused.context().close();

    const otherContext = await newVisitor(browser);
    const other = await otherContext.newPage();
    await other.goto("/login");
    await other.getByRole("textbox", { name: "E-mail address" }).fill(email);
    await other.getByRole("button", { name: "Send me a sign-in link" }).click();
    expect(await other.getByRole("status").textContent()).toBe(answerForNobody);
    await signIn(other, email);
    expect((await mailbox.all()).filter(mailbox.to(nobody))).toEqual([]);

    await page.goto("/dashboard");
    const organizationPage = (await page.getByRole("link", { name: "Two devices" }).getAttribute("href")) ?? "";
    await page.getByRole("button", { name: "Sign out on all devices" }).click();
    await expect(page).toHaveURL(/\/$/);
    await other.goto("/dashboard");
    await expect(other).toHaveURL(/\/login\?next=%2Fdashboard$/);
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/login/);
    await otherContext.close();

    await signIn(page, email, { goingTo: organizationPage });
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Two devices");

    // Without JavaScript, as in a locked-down browser or before the page has hydrated.
    const plainContext = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, javaScriptEnabled: false });
    const plain = await plainContext.newPage();
    await signIn(plain, email);
    await expect(plain.getByRole("heading", { level: 1 })).toHaveText("Dashboard");

    // A session cookie copied before signing out opens nothing afterwards: the session ended on the server.
    const copied = (await plainContext.cookies()).filter((c) => c.name === "__session");
    expect(copied).toHaveLength(1);
    const thiefContext = await newVisitor(browser);
    await thiefContext.addCookies(copied);
    const thief = await thiefContext.newPage();
    await thief.goto("/dashboard");
    await expect(thief.getByRole("heading", { level: 1 })).toHaveText("Dashboard");
    await plain.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(plain).toHaveURL(/\/$/);
    await thief.goto("/dashboard");
    await expect(thief).toHaveURL(/\/login\?next=%2Fdashboard$/);
    await thiefContext.close();
    await plainContext.close();
  });
});

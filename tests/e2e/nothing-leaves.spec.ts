import crypto from "node:crypto";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, linkIn, mailbox, test, type MailMessage } from "./fixtures";
import { closeFixtureDb } from "./helpers/appeal-fixture";
import { describeResource, emailResources, foreign, recordRequests, resourcesIn, type FoundResource } from "./helpers/foreign-resources";
import { buildTour, inLang, type Tour } from "./helpers/page-tour";

/**
 * Nothing leaves, nothing is needed: no page and no e-mail makes a signer's browser or mail
 * client contact another host (a font CDN, an analytics script, a tracking pixel would tell a
 * third party who reads which appeal), and everything a signer does works with JavaScript off.
 *
 * Every page of the tour (public, the signer's link pages, the dashboard, error pages), the
 * pages of a real signing through the e-mailed links, and every e-mail the SMTP sink received
 * are checked with ./helpers/foreign-resources (the requests the browser made, and every URL in
 * the parsed document that a client would fetch).
 */

const base = () => process.env.E2E_BASE_URL ?? "";
const origin = () => new URL(base()).origin;
const MIN_FILL_MS = 1_200;
const newAddress = (prefix: string) => `${prefix}-${crypto.randomBytes(4).toString("hex")}@example.org`;

/** A page with one third-party resource of every kind the checker must see (and one of our own, which it must not report). */
const PROBE = `<!doctype html><html><head><meta charset="utf-8"><title>probe</title>
<link rel="stylesheet" href="https://style.example/a.css">
<link rel="preconnect" href="https://preconnect.example">
<link rel="dns-prefetch" href="//dns-prefetch.example">
<link rel="prefetch" href="https://prefetch.example/next">
<link rel="icon" href="https://icon.example/favicon.ico">
<link rel="canonical" href="https://canonical.example/page">
<script src="https://script.example/a.js"></script>
<style>@font-face{font-family:X;src:url("https://font.example/x.woff2")} body{background:url(https://css.example/bg.png)}</style>
</head><body>
<img src="https://tracker.example/pixel.gif" alt="">
<img src="/favicon.ico" alt="">
<iframe src="https://frame.example/"></iframe>
<form action="https://form.example/collect" method="post"><button>go</button></form>
<p style="background-image:url('https://inline.example/i.png')">x</p>
<a href="https://link.example/">a plain link is not a resource</a>
</body></html>`;

/** The third-party resources in the page as it is now, and in the requests recorded since `since`. */
async function leaksOf(page: Page, requests: FoundResource[]): Promise<string[]> {
  const found = [...(await resourcesIn(page)), ...requests];
  return foreign(found, [origin()]).map(describeResource);
}

let tour: Tour;
const problems: string[] = [];

async function check(page: Page, recorder: Awaited<ReturnType<typeof recordRequests>>, name: string) {
  await page.waitForLoadState("networkidle");
  for (const leak of await leaksOf(page, recorder.requests())) problems.push(`${name} (${new URL(page.url()).pathname}): ${leak}`);
  recorder.clear();
}

async function visitor(
  browser: Browser,
  javaScriptEnabled: boolean,
): Promise<{ context: BrowserContext; page: Page; recorder: Awaited<ReturnType<typeof recordRequests>> }> {
  const context = await browser.newContext({ baseURL: base(), javaScriptEnabled, locale: "en-US" });
  const recorder = await recordRequests(context, origin());
  return { context, page: await context.newPage(), recorder };
}

async function signAndWaitForMail(page: Page, slug: string, email: string): Promise<MailMessage> {
  await page.goto(`/appeals/${slug}?lang=en`);
  const loadedAt = Date.now();
  const form = page.locator("#sign form");
  await form.locator("#f-name").fill("Dana Nurlanovna");
  await form.locator("#f-email").fill(email);
  await form.getByLabel("Show my name and city").check();
  await form.locator("input[name=consent]").check();
  const wait = MIN_FILL_MS - (Date.now() - loadedAt);
  if (wait > 0) await page.waitForTimeout(wait);
  await page.locator("#sign").getByRole("button", { name: "Sign", exact: true }).click();
  await expect(page).toHaveURL(/\/sent$/);
  return mailbox.waitFor((m) => mailbox.to(email)(m) && m.text.includes("/s/confirm/"));
}

test.describe.serial("nothing leaves", () => {
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(240_000);
    tour = await buildTour(browser);
  });

  test.beforeEach(() => {
    problems.length = 0;
  });

  test.afterAll(async () => {
    await tour?.cleanup();
    await closeFixtureDb();
  });

  test("the checker itself: it finds a third-party resource of every kind, in a page and in an e-mail", async ({ browser }) => {
    const { context, page, recorder } = await visitor(browser, true);
    // Served at our own origin, so only what it refers to is foreign.
    await context.route(`${origin()}/third-party-probe`, (route) => route.fulfill({ contentType: "text/html", body: PROBE }));
    await page.goto("/third-party-probe");
    const leaks = await leaksOf(page, recorder.requests());
    for (const expected of [
      "link rel=stylesheet: https://style.example/a.css",
      "link rel=preconnect: https://preconnect.example/",
      "link rel=dns-prefetch: http://dns-prefetch.example/",
      "link rel=prefetch: https://prefetch.example/next",
      "link rel=icon: https://icon.example/favicon.ico",
      "script: https://script.example/a.js",
      "<style> url(): https://font.example/x.woff2",
      "<style> url(): https://css.example/bg.png",
      "image: https://tracker.example/pixel.gif",
      "frame: https://frame.example/",
      "form action: https://form.example/collect",
      'style="" url(): https://inline.example/i.png',
    ]) {
      expect(leaks, expected).toContain(expected);
    }
    // What the browser really asked for is recorded too (and refused): the pixel, the script.
    expect(leaks).toContain("request (image): https://tracker.example/pixel.gif");
    expect(leaks).toContain("request (script): https://script.example/a.js");
    // Our own image, a canonical name and a plain link are not resources of another origin.
    expect(
      leaks.filter((l) => l.includes("canonical.example") || l.includes("link.example") || (l.includes("/favicon.ico") && !l.includes("icon.example"))),
    ).toEqual([]);
    await context.close();

    const mail = await emailResources(
      browser,
      `<!doctype html><html><body><p>Hello</p><img src="https://pixel.example/open.gif" width="1" height="1"><img src="${base()}/og.png"><a href="https://ok.example/">a link</a></body></html>`,
    );
    const mailLeaks = foreign(mail, []).map(describeResource);
    // In an e-mail even our own server's image counts: it would tell when the mail was read.
    expect(mailLeaks).toContain("image: https://pixel.example/open.gif");
    expect(mailLeaks).toContain(`image: ${base()}/og.png`);
    expect(mailLeaks.some((l) => l.includes("ok.example"))).toBe(false);
  });

  test("every page, public and dashboard, with JavaScript on and off, and the error pages: nothing from another origin", async ({ browser }) => {
    test.setTimeout(300_000);
    for (const js of [true, false]) {
      const anonymous = await visitor(browser, js);
      for (const p of tour.publicPages) {
        await anonymous.page.goto(inLang(p.url, "en"));
        await check(anonymous.page, anonymous.recorder, `${p.name}${js ? "" : " (no JS)"}`);
      }
      // The embeddable counter (issue 17), framed on partners' sites: no React, so not in the tour's
      // list of pages (their hydration is checked there), but it must load nothing from elsewhere either.
      await anonymous.page.goto(`/appeals/${tour.appeal.slug}/embed?lang=en`);
      await check(anonymous.page, anonymous.recorder, `embed${js ? "" : " (no JS)"}`);
      // Error pages made outside Remix: a URL that cannot be decoded (400), a cross-site form post (403).
      await anonymous.page.goto("/%E0%A4%A");
      await check(anonymous.page, anonymous.recorder, "400 page");
      const refused = await fetch(`${base()}/my-data`, { method: "POST", headers: { Origin: "https://elsewhere.example", "Sec-Fetch-Site": "cross-site" } });
      expect(refused.status).toBe(403);
      const refusal = await refused.text();
      await anonymous.context.route(`${origin()}/csrf-refusal-page`, (route) => route.fulfill({ status: 403, contentType: "text/html", body: refusal }));
      await anonymous.page.goto("/csrf-refusal-page");
      await check(anonymous.page, anonymous.recorder, "403 page (cross-site form)");
      await anonymous.context.close();
    }

    const recorder = await recordRequests(tour.signedIn, origin());
    const organizer = await tour.signedIn.newPage();
    for (const p of tour.dashboardPages) {
      await organizer.goto(inLang(p.url, "en"));
      await check(organizer, recorder, p.name);
    }
    await organizer.close();
    await tour.signedIn.unrouteAll({ behavior: "wait" });
    expect(problems).toEqual([]);
  });

  test("a signer's whole path through the e-mailed links (sign, confirm, receipt, my data, withdraw): nothing from another origin", async ({ browser }) => {
    const { context, page, recorder } = await visitor(browser, true);
    const email = newAddress("leaves-js");
    const mail = await signAndWaitForMail(page, tour.appeal.slug, email);
    await check(page, recorder, "sign: check your mail");
    await page.goto(linkIn(mail.text, `${base()}/s/confirm/`));
    await check(page, recorder, "confirm link");
    await page.getByRole("button", { name: "Confirm my signature" }).click();
    await expect(page.getByRole("status").first()).toContainText("Thank you! Your signature is confirmed.");
    await check(page, recorder, "thanks");
    await page.getByLabel("Also send it to my e-mail address").check();
    await page.getByRole("button", { name: "Keep a receipt" }).click();
    await expect(page.getByText("We also sent it to your e-mail address.")).toBeVisible();
    await check(page, recorder, "thanks: receipt kept");
    await page.goto("/my-data?lang=en");
    await page.getByRole("textbox", { name: "E-mail address" }).fill(email);
    await page.getByRole("button", { name: "Send me my data" }).click();
    await expect(page.getByText("If we hold anything about this address, it is on its way to that inbox.")).toBeVisible();
    await check(page, recorder, "my data: sent");
    await page.goto(linkIn(mail.text, `${base()}/s/withdraw/`));
    await check(page, recorder, "withdraw link");
    await page.getByRole("button", { name: "Withdraw my signature" }).click();
    await expect(page.getByRole("status")).toHaveText("Your signature has been withdrawn.");
    await check(page, recorder, "withdrawn");
    await context.close();
    expect(problems).toEqual([]);
  });

  test("without JavaScript: signing, confirming through the e-mail link, a receipt, verifying a letter (code, PDF, receipt), my data and withdrawing all work by plain forms", async ({
    browser,
  }) => {
    const { context, page, recorder } = await visitor(browser, false);
    const email = newAddress("leaves-nojs");
    const mail = await signAndWaitForMail(page, tour.appeal.slug, email);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your e-mail");
    await page.goto(linkIn(mail.text, `${base()}/s/confirm/`));
    await page.getByRole("button", { name: "Confirm my signature" }).click();
    await expect(page.getByRole("status").first()).toContainText("Thank you! Your signature is confirmed.");
    await check(page, recorder, "thanks (no JS)");
    await page.getByRole("button", { name: "Keep a receipt" }).click();
    const receipt = await page.getByTestId("receipt").inputValue();
    expect(receipt).toMatch(/^appeals-receipt:1:/);

    // Verifying: the code typed into the form (a GET form), the letter's PDF checked against it
    // (a multipart POST), and the receipt checked against the letter (a POST).
    const code = tour.publicPages
      .find((p) => p.name === "verify result")!
      .url.split("/")
      .pop()!;
    await page.goto("/verify?lang=en");
    await page.getByLabel("Enter a verification code").fill(code.toLowerCase());
    await page.getByRole("button", { name: "Look up" }).click();
    await expect(page).toHaveURL(new RegExp(`/verify/${code}`));
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Verify a letter");
    await expect(page.getByText(code).first()).toBeVisible();
    await check(page, recorder, "verify result (no JS)");

    const organizer = await tour.signedIn.newPage();
    await organizer.goto(`/dashboard/appeals/${tour.appeal.id}/letters?lang=en`);
    const href = await organizer.getByRole("row").filter({ hasText: code }).locator('a[href$=".pdf"]').first().getAttribute("href");
    const pdf = await tour.signedIn.request.get(href!);
    expect(pdf.ok()).toBe(true);
    await organizer.close();
    await page.locator('input[type="file"]').setInputFiles({ name: "letter.pdf", mimeType: "application/pdf", buffer: await pdf.body() });
    await page.getByRole("button", { name: "Check", exact: true }).click();
    await expect(page.getByText("This file is exactly the letter generated with this code.")).toBeVisible();

    await page.getByLabel("Receipt", { exact: true }).fill(receipt);
    await page.getByRole("button", { name: "Check the receipt" }).click();
    // Signed after this letter was made: the answer says so (and which entry it is).
    await expect(page.getByTestId("receipt-answer")).toContainText("Not in this letter: your signature is entry");

    await page.goto("/my-data?lang=en");
    await page.getByRole("textbox", { name: "E-mail address" }).fill(email);
    await page.getByRole("button", { name: "Send me my data" }).click();
    await expect(page.getByText("If we hold anything about this address, it is on its way to that inbox.")).toBeVisible();
    await mailbox.waitFor((m) => mailbox.to(email)(m) && m.text.includes(tour.appeal.slug) && !m.text.includes("/s/confirm/"));

    await page.goto(linkIn(mail.text, `${base()}/s/withdraw/`));
    await page.getByRole("button", { name: "Withdraw my signature" }).click();
    await expect(page.getByRole("status")).toHaveText("Your signature has been withdrawn.");
    // The link is spent: opening it again says so, with no button.
    await page.goto(linkIn(mail.text, `${base()}/s/withdraw/`));
    await expect(page.getByRole("button", { name: "Withdraw my signature" })).toHaveCount(0);
    await check(page, recorder, "withdraw link, spent (no JS)");
    await context.close();
    expect(problems).toEqual([]);
  });

  test("every e-mail the SMTP server received: nothing fetched from anywhere", async ({ browser }) => {
    test.setTimeout(180_000);
    const mails = await mailbox.all();
    // Sign-in links, confirmations, an update, a receipt, my-data (the tour and the tests above sent them).
    for (const kind of ["/login/t/", "/s/confirm/", "/s/unsubscribe/", "/verify"])
      expect(
        mails.some((m) => m.text.includes(kind)),
        kind,
      ).toBe(true);
    const found: string[] = [];
    for (const m of mails) {
      if (!m.html) continue;
      for (const leak of foreign(await emailResources(browser, m.html), [])) found.push(`${m.subject}: ${describeResource(leak)}`);
    }
    expect(found).toEqual([]);
  });
});

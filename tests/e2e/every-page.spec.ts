import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { closeFixtureDb } from "./helpers/appeal-fixture";
import { buildTour, inLang, type Tour, type TourPage } from "./helpers/page-tour";

/**
 * Checks that hold on every page, public and dashboard, with realistic data behind it: with
 * JavaScript on, the console shows no CSP violation and no uncaught error.
 */

let tour: Tour;

test.describe.serial("every page", () => {
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(240_000);
    tour = await buildTour(browser);
  });

  test.afterAll(async () => {
    await tour?.cleanup();
    await closeFixtureDb();
  });

  test("with JavaScript on: no CSP violation and no uncaught error on any page", async ({ browser }) => {
    test.setTimeout(180_000);
    const anonymous = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
    const problems: string[] = [];
    const watch = async (page: Page, p: TourPage) => {
      const seen: string[] = [];
      const onError = (e: Error) => seen.push(`uncaught: ${e.message}`);
      const onConsole = (m: import("@playwright/test").ConsoleMessage) => {
        // The document of a 404 page is itself an error response: not a fault of the page.
        if (m.type() === "error" && !(m.text().startsWith("Failed to load resource") && m.location().url === page.url())) seen.push(`console: ${m.text()}`);
      };
      page.on("pageerror", onError);
      page.on("console", onConsole);
      await page.goto(p.url);
      await page.waitForLoadState("networkidle");
      // Hydrated: React has taken over the page (a page that fails to hydrate logs an error).
      await expect.poll(() => page.evaluate(() => Object.keys(document.querySelector("main") ?? {}).some((k) => k.startsWith("__react")))).toBe(true);
      const violations = await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
      for (const v of violations) seen.push(`CSP: ${v}`);
      page.off("pageerror", onError);
      page.off("console", onConsole);
      if (seen.length) problems.push(`${p.name} (${p.url}): ${seen.join(" | ")}`);
    };
    for (const context of [anonymous, tour.signedIn]) {
      await context.addInitScript(() => {
        const list: string[] = [];
        (window as unknown as { __cspViolations: string[] }).__cspViolations = list;
        document.addEventListener("securitypolicyviolation", (e) => list.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));
      });
    }
    const visitor = await anonymous.newPage();
    for (const p of tour.publicPages) await watch(visitor, { ...p, url: inLang(p.url, "en") });
    const organizer = await tour.signedIn.newPage();
    for (const p of tour.dashboardPages) await watch(organizer, { ...p, url: inLang(p.url, "en") });
    await anonymous.close();
    await organizer.close();
    expect(problems).toEqual([]);
  });
});

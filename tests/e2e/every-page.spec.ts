import { promises as fs } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, expectAccessible, test } from "./fixtures";
import { closeFixtureDb } from "./helpers/appeal-fixture";
import { buildTour, inLang, type Tour, type TourPage } from "./helpers/page-tour";

/**
 * Checks that hold on every page, public and dashboard, with realistic data behind it:
 * on a 360 px wide phone nothing scrolls sideways (in English, Russian and Kazakh), and with
 * JavaScript on the console shows no CSP violation and no uncaught error.
 */
const LANGS = ["en", "ru", "kk"] as const;
const PHONE = { width: 360, height: 740 };
const SHOTS = "test-results/phones";
/** A few pages to look at by eye (saved as screenshots at 360 px), and checked with axe at that size. */
const SCREENSHOTS = new Set(["verify result", "sign in", "appeal page", "dashboard: signatures", "dashboard: letters", "dashboard: addressees"]);

/**
 * null when the page does not scroll sideways; otherwise how much wider it is and the widest
 * elements that stick out of the screen (innermost first), to say what to fix.
 */
async function sidewaysOverflow(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return null;
    const limit = root.clientWidth;
    const clipped = (el: Element) => {
      // An absolutely positioned element escapes a scrolling box that is not positioned itself.
      if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== "visible") return true;
      }
      return false;
    };
    const describe = (el: Element) => {
      const id = el.id ? `#${el.id}` : "";
      const cls = typeof el.className === "string" && el.className.trim() ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
      const parent = el.parentElement ? `${el.parentElement.tagName.toLowerCase()} > ` : "";
      const text = (el.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 40);
      return `${parent}${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(rightOf(el))} px) "${text}"`;
    };
    const sticking = [...document.body.querySelectorAll("*")].filter((el) => el.getBoundingClientRect().right > limit + 0.5 && !clipped(el));
    // Innermost: elements none of whose own children stick out as far.
    const innermost = sticking.filter(
      (el) => ![...el.children].some((c) => c.getBoundingClientRect().right >= el.getBoundingClientRect().right - 0.5 && sticking.includes(c)),
    );
    // Text that runs out of its box (a long word, a URL) widens the page without widening any box.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || innermost.includes(parent) || clipped(node.parentElement ?? document.body)) continue;
      range.selectNodeContents(node);
      const right = Math.max(0, ...[...range.getClientRects()].map((r) => r.right));
      if (right > limit + 0.5 && getComputedStyle(parent).overflowX === "visible") innermost.push(parent);
    }
    const rightOf = (el: Element) => {
      range.selectNodeContents(el);
      return Math.max(el.getBoundingClientRect().right, ...[...range.getClientRects()].map((r) => r.right));
    };
    innermost.sort((a, b) => rightOf(b) - rightOf(a));
    return `${root.scrollWidth - limit} px wider than the screen; widest: ${innermost.slice(0, 3).map(describe).join("; ")}`;
  });
}

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

  test("fits a 360 px wide phone in en, ru and kk: no sideways scrolling", async ({ browser }) => {
    test.setTimeout(300_000);
    await fs.mkdir(SHOTS, { recursive: true });
    const anonymous = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, viewport: PHONE });
    const visitor = await anonymous.newPage();
    const organizer = await tour.signedIn.newPage();
    await organizer.setViewportSize(PHONE);
    const problems: string[] = [];
    const visit = async (page: Page, p: TourPage, lang: string) => {
      await page.goto(inLang(p.url, lang));
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      const overflow = await sidewaysOverflow(page);
      if (overflow) problems.push(`${p.name} (${lang}, ${p.url}): ${overflow}`);
      if (SCREENSHOTS.has(p.name)) {
        await page.screenshot({ path: `${SHOTS}/${p.name.replace(/\W+/g, "-")}-${lang}.png`, fullPage: true });
        // A table that scrolls in its own box must be reachable by keyboard (axe: scrollable-region-focusable).
        await expectAccessible(page);
      }
    };
    for (const lang of LANGS) {
      for (const p of tour.publicPages) await visit(visitor, p, lang);
      for (const p of tour.dashboardPages) await visit(organizer, p, lang);
    }
    await anonymous.close();
    await organizer.close();
    expect(problems).toEqual([]);
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
        document.addEventListener("securitypolicyviolation", (e) =>
          list.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`),
        );
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

import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import pg from "pg";
import { expect, expectAccessible, test } from "./fixtures";
import { closeFixtureDb, createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./helpers/appeal-fixture";
import { signIn } from "./helpers/sign-in";

const run = promisify(execFile);

/**
 * Spreading an appeal, in Kazakh (issue 17): the organizer copies the counter's snippet from the
 * dashboard, a partner's page on another origin frames it, the link in it opens the appeal in a
 * new tab; the share image and the poster are looked at as screenshots (test-results/).
 */

const KK = {
  title: "Алматыдағы саябақтарды сақтап қалайық",
  summary: "Біз қала әкімдігінен саябақтардағы ағаштарды кесуді тоқтатуды сұраймыз.",
  body: "Құрметті әкім!\n\nБіз саябақтарды сақтауды сұраймыз.",
};
const RU = {
  title: "Сохраним парки Алматы",
  summary: "Мы просим акимат города прекратить вырубку деревьев в парках.",
  body: "Уважаемый аким!\n\nМы просим сохранить парки.",
};

let appeal: FixtureAppeal;
let partner: http.Server;
let partnerUrl = "";
let frameSnippet = "";

test.describe.serial("spreading an appeal (kk)", () => {
  test.beforeAll(async () => {
    appeal = await createPublishedAppeal({ originalLanguage: "kk", versions: { kk: KK, ru: RU } });
    const pool = new pg.Pool({ connectionString: process.env.E2E_DATABASE_URL, max: 1 });
    await pool.query("UPDATE appeal_counts SET confirmed = 1234 WHERE appeal_id = $1", [appeal.id]);
    await pool.end();
    // A partner's site: another origin (another port of 127.0.0.1), serving the snippet as copied.
    partner = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html lang="kk"><head><meta charset="utf-8"><title>Серіктес</title></head>
<body style="font-family:sans-serif;background:#f4f1ea;padding:24px"><h1>Серіктес ұйымның сайты</h1>${frameSnippet}</body></html>`);
    });
    await new Promise<void>((resolve) => partner.listen(0, "127.0.0.1", resolve));
    partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/`;
  });

  test.afterAll(async () => {
    await new Promise((resolve) => partner?.close(resolve));
    if (appeal) await deleteAppeal(appeal);
    await closeFixtureDb();
  });

  test("the dashboard shows the snippets to copy, in Kazakh", async ({ page }) => {
    await signIn(page, appeal.ownerEmail);
    await page.goto(`/dashboard/appeals/${appeal.id}?lang=kk`);
    await expect(page.getByRole("heading", { name: "Тарату" })).toBeVisible();
    const frame = page.getByLabel("Қол қою сілтемесі бар тірі есептегіш (iframe)");
    frameSnippet = await frame.inputValue();
    expect(frameSnippet).toMatch(new RegExp(`^<iframe src="${process.env.E2E_BASE_URL}/appeals/${appeal.slug}/embed\\?lang=kk" title="${KK.title}"`));
    const badge = await page.getByLabel(/Сілтемесі бар есептегіш суреті/).inputValue();
    expect(badge).toContain(`/appeals/${appeal.slug}/badge.svg?lang=kk`);
    await expect(page.locator(`a[href="/appeals/${appeal.slug}/poster.pdf?lang=kk"]`)).toHaveText(/^Плакатты басып шығару \(PDF, A4\) — /);
    await page.getByRole("heading", { name: "Тарату" }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: test.info().outputPath("dashboard-snippets-kk.png"), fullPage: true });
    await expectAccessible(page);
  });

  test("a page on another origin frames the counter; its link opens the appeal in a new tab", async ({ page, context }) => {
    expect(frameSnippet).not.toBe("");
    await page.goto(partnerUrl);
    const embed = page.frameLocator("iframe");
    await expect(embed.getByRole("heading", { name: KK.title })).toBeVisible();
    await expect(embed.getByText("1 234 қолтаңба")).toBeVisible();
    await expect(embed.locator("form")).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath("embed-on-partner-kk.png") });
    const [tab] = await Promise.all([context.waitForEvent("page"), embed.getByRole("link", { name: /Үндеуге қол қою/ }).click()]);
    await tab.waitForLoadState();
    expect(tab.url()).toBe(`${process.env.E2E_BASE_URL}/appeals/${appeal.slug}?lang=kk`);
    await expect(tab.locator("#sign form")).toBeVisible();
    // The appeal page itself (with its form) refuses to be framed: only the counter may be.
    const csp = (await page.request.get(`${process.env.E2E_BASE_URL}/appeals/${appeal.slug}`)).headers()["content-security-policy"];
    expect(csp).toContain("frame-ancestors 'none'");
  });

  test("the share image and the poster, as a reader sees them", async ({ page }) => {
    const og = await page.request.get(`/appeals/${appeal.slug}/og.png?lang=kk`);
    expect(og.headers()["content-type"]).toBe("image/png");
    await fs.writeFile(test.info().outputPath("og-kk.png"), await og.body());
    const badge = await page.request.get(`/appeals/${appeal.slug}/badge.svg?lang=kk`);
    await fs.writeFile(test.info().outputPath("badge-kk.svg"), await badge.body());
    const pdf = await page.request.get(`/appeals/${appeal.slug}/poster.pdf?lang=kk`);
    const file = test.info().outputPath("poster-kk.pdf");
    await fs.writeFile(file, await pdf.body());
    await run("pdftoppm", ["-r", "72", "-png", "-singlefile", file, test.info().outputPath("poster-kk")]);
    // The badge as a partner's page shows it: an <img> (drawn with the reader's fonts).
    await page.goto(partnerUrl);
    await page.setContent(
      `<!doctype html><html lang="kk"><body style="padding:20px"><img src="${process.env.E2E_BASE_URL}/appeals/${appeal.slug}/badge.svg?lang=kk" alt="badge"></body></html>`,
    );
    await expect.poll(() => page.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    await page.screenshot({ path: test.info().outputPath("badge-on-partner-kk.png") });
  });
});

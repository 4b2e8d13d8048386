import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CONTENT_RIGHT } from "../../app/pdf/layout";
import { expect, test } from "./fixtures";
import { signIn } from "./helpers/sign-in";
import { closeFixtureDb, createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./helpers/appeal-fixture";

/**
 * Issue 15: an appeal's version in Arabic reads right to left inside a page that stays in the
 * interface's language, left to right — at a phone's width (360 px), without sideways scrolling.
 * RTL_SHOTS=<dir> keeps a screenshot to look at.
 */

let appeal: FixtureAppeal;

test.beforeAll(async () => {
  appeal = await createPublishedAppeal({
    originalLanguage: "ar",
    versions: {
      ar: {
        title: "رسالة مفتوحة بشأن الحريات المدنية",
        summary: "نطالب بحماية الحريات المدنية (وحرية التعبير).",
        body: "نحن الموقعين أدناه نطالب بما يلي:\n\n1. الإفراج عن المعتقلين\n2. ضمان حرية التعبير\n\n> We stand together.",
      },
      en: { title: "An open letter on civil liberties", summary: "We ask.", body: "We ask." },
    },
  });
});

test.afterAll(async () => {
  await deleteAppeal(appeal).catch(() => undefined);
  await closeFixtureDb();
});

test("an Arabic version reads right to left; the page around it stays left to right (360 px)", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto(`/appeals/${appeal.slug}?lang=ar`);
  const title = page.locator("h1");
  await expect(title).toHaveText("رسالة مفتوحة بشأن الحريات المدنية");
  await expect(title).toHaveAttribute("dir", "rtl");
  await expect(title).toHaveAttribute("lang", "ar");
  await expect(page.locator(".appeal-body")).toHaveAttribute("dir", "rtl");
  expect(await page.evaluate(() => getComputedStyle(document.querySelector(".appeal-body")!).direction)).toBe("rtl");
  expect(await page.evaluate(() => getComputedStyle(document.querySelector(".count-box")!).direction)).toBe("ltr");
  // The title's right edge is the column's right edge: aligned right.
  const box = (await title.boundingBox())!;
  const column = (await page.locator("article.appeal").boundingBox())!;
  const range = await title.evaluate((h) => {
    const r = document.createRange();
    r.selectNodeContents(h);
    return r.getBoundingClientRect().right;
  });
  expect(Math.abs(range - (box.x + box.width))).toBeLessThan(2);
  expect(box.x + box.width).toBeLessThanOrEqual(column.x + column.width + 1);
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
  if (process.env.RTL_SHOTS) await page.screenshot({ path: `${process.env.RTL_SHOTS}/rtl-version-360.png`, fullPage: true });
});

test("the organizer types an Arabic version right to left (360 px)", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  await signIn(page, appeal.ownerEmail);
  await page.goto(`/dashboard/appeals/${appeal.id}/text/ar`);
  for (const name of ["title", "summary", "body"]) {
    const field = page.locator(`[name="${name}"]`);
    await expect(field).toHaveAttribute("dir", "rtl");
    await expect(field).toHaveAttribute("lang", "ar");
  }
  await expect(page.locator('[name="title"]')).toHaveValue("رسالة مفتوحة بشأن الحريات المدنية");
  // The labels stay in the interface's language, left to right.
  expect(await page.evaluate(() => getComputedStyle(document.querySelector('label[for="f-title"]')!).direction)).toBe("ltr");
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
  if (process.env.RTL_SHOTS) await page.screenshot({ path: `${process.env.RTL_SHOTS}/rtl-editor-360.png`, fullPage: true });
  await page.goto(`/dashboard/appeals/${appeal.id}/text/en`);
  await expect(page.locator('[name="title"]')).not.toHaveAttribute("dir", /./);
});

test("the organizer generates the Arabic letter from the dashboard: laid out right to left", async ({ page }) => {
  test.setTimeout(180_000);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-e2e-rtl-"));
  try {
    await signIn(page, appeal.ownerEmail);
    await page.goto(`/dashboard/appeals/${appeal.id}/letters?lang=en`);
    await page.getByLabel("Generate a letter in").selectOption("ar");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    const row = page.getByRole("row").filter({ hasText: "Arabic" });
    await expect(row).toContainText("Ready", { timeout: 90_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("link", { name: "Download PDF" }).click()]);
    const file = path.join(dir, "letter.pdf");
    await download.saveAs(file);
    const text = execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/[\u202a-\u202e]/g, "");
    const lines = text.split("\n").map((l) => l.trim());
    expect(lines).toContain("رسالة مفتوحة بشأن الحريات المدنية");
    expect(lines).toContain("نحن الموقعين أدناه نطالب بما يلي:");
    expect(lines).toContain("لا توجد توقيعات مؤكَّدة حتى الآن.");
    // The title ends at the right margin.
    const bbox = execFileSync("pdftotext", ["-enc", "UTF-8", "-bbox-layout", file, "-"], { encoding: "utf8" });
    const rights = [...bbox.matchAll(/<line xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(rights.filter((x) => Math.abs(x - CONTENT_RIGHT) < 1.5).length).toBeGreaterThan(5);
    expect(execFileSync("qpdf", ["--qdf", "--object-streams=disable", file, "-"], { encoding: "latin1" })).toContain("/Lang (ar)");
    if (process.env.RTL_SHOTS) await fs.copyFile(file, `${process.env.RTL_SHOTS}/rtl-letter-e2e.pdf`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Locator, Page } from "@playwright/test";
import pg from "pg";
import { keyringFrom, seal } from "../../app/services/data-key.server";
import { requireJava, validate } from "../integration/support/vnu";
import { csvObjects } from "../fixtures/csv";
import { WORLD_NAMES } from "../fixtures/world-names";
import { expect, test } from "./fixtures";
import { closeFixtureDb, createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./helpers/appeal-fixture";
import { signIn } from "./helpers/sign-in";

/**
 * Issue 15, the web side: names in every script of tests/fixtures/world-names.ts, signed and
 * confirmed, on the public list and the organizer's signatures page, at a phone's width (360 px)
 * and a desktop's. Each name (and city) shows exactly as written, in its own isolate (<bdi>), so
 * a right-to-left name neither reorders the row nor the commas around it; the page never scrolls
 * sideways; the tower of combining marks paints nothing outside its own row, while ordinary
 * marks (Vietnamese, Kazakh, Arabic harakat, Thai, Devanagari) are drawn in full; the long name
 * wraps. The CSV export keeps every name byte for byte. The letters page lists which names a
 * letter transliterated (scripts no bundled font draws), not only how many, and never sends the
 * sealed values to the browser. The pages' HTML passes the Nu Html Checker.
 */

/** Names with ordinary marks above and below the letters, which a row must not cut. */
const MARKED = [
  { name: "Nguyễn Thị Ánh Tuyết", city: "Hà Nội", country: "VN" },
  { name: "Әліби Жанкелдин Ұлықбекұлы", city: "Өскемен", country: "KZ" },
  { name: "مُحَمَّد عَلِيّ", city: "القاهرة", country: "EG" },
];

/**
 * Names in scripts no letter font draws (Ethiopic, Tibetan, Mongolian: DejaVu Sans has none of
 * their letters, checked with fontkit's hasGlyphForCodePoint, and issue 15 bundles no font for
 * them): a letter transliterates them.
 */
const UNDRAWN = ["አበበ ቢቂላ", "བཀྲ་ཤིས་བདེ་ལེགས", "ᠪᠠᠲᠤ ᠴᠢᠯᠠᠭᠤ"];

/** A taller tower than the fixture's (a dozen marks above and below): taller than a padded table cell. */
const TALL_TOWER = { name: `Zu${"\u0300\u0301\u0302\u0303".repeat(3)}${"\u0316\u0317\u0323\u0324".repeat(3)}l Tall`, city: "Kokshetau", country: "KZ" };
const ORGANIZATION = WORLD_NAMES[0]!.organization!;
const TOWERS = [WORLD_NAMES.find((n) => n.script.includes("towers"))!.name.normalize("NFC"), TALL_TOWER.name.normalize("NFC")];
const LONG = WORLD_NAMES.find((n) => n.script.includes("longer than"))!.name.normalize("NFC");
const VIEWPORTS = [
  { width: 360, height: 800 },
  { width: 1280, height: 900 },
];

/** Every signer in the order the lists show them (newest first): the tower in the middle, with neighbours on both sides. */
const SIGNERS = [...WORLD_NAMES, ...MARKED.slice(0, 1), TALL_TOWER, ...MARKED.slice(1)].map(
  (s: { name: string; city: string; country: string; organization?: string }) => ({
    name: s.name.normalize("NFC"),
    city: s.city.normalize("NFC"),
    country: s.country,
    organization: s.organization?.normalize("NFC") ?? null,
  }),
);

let client: pg.Client;
let appeal: FixtureAppeal;
const dirs: string[] = [];
const ring = () => keyringFrom(process.env.DATA_KEY ?? "");

test.beforeAll(async () => {
  requireJava(); // the Nu Html Checker, as in tests/integration/html-check.test.ts
  client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  appeal = await createPublishedAppeal({
    originalLanguage: "en",
    versions: { en: { title: "Names as written", summary: "Signed in every script.", body: "We ask." } },
    fields: { city: "optional", country: "optional", organization: "optional" },
  });
  const unique = crypto.randomBytes(3).toString("hex");
  // The organization writes its name in Arabic: sentences naming it keep it isolated.
  await client.query("UPDATE organizations SET name = $2 WHERE id = (SELECT organization_id FROM appeals WHERE id = $1)", [appeal.id, ORGANIZATION]);
  for (const [i, s] of SIGNERS.entries()) {
    await client.query(
      `INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, organization, disclosure, keep_informed, email, email_key, created_at, confirmed_at)
       VALUES ($1, 1, 'en', 'confirmed', $2, $3, $4, $5, 'public', true, $6, $7, now() - make_interval(mins => $8), now() - make_interval(mins => $8))`,
      [appeal.id, s.name, s.city, s.country, s.organization, seal(`world-${i}-${unique}@mail.example`, "email", ring()), `world-${i}-${unique}`, i + 1],
    );
  }
});

test.afterAll(async () => {
  await deleteAppeal(appeal).catch(() => undefined);
  await closeFixtureDb();
  await client.end();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

const ownerOf = (a: FixtureAppeal) => `owner-${a.slug.replace(/^e2e-sign-/, "")}@example.org`;

async function expectNoSidewaysScroll(page: Page) {
  const { scroll, client: width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, "the page scrolls sideways").toBeLessThanOrEqual(width);
}

/** Each text appears exactly once among the isolates' texts. */
function expectEachOnce(texts: string[], expected: string[]) {
  for (const want of expected)
    expect(
      texts.filter((t) => t === want),
      want,
    ).toHaveLength(1);
}

/** Every element is a <bdi> or has dir="auto". */
async function expectIsolated(items: Locator) {
  const how = await items.evaluateAll((els) => els.map((el) => (el.tagName === "BDI" || el.getAttribute("dir") === "auto" ? "isolated" : el.outerHTML)));
  expect(how.filter((h) => h !== "isolated")).toEqual([]);
}

const shot = (area: Locator) => area.screenshot({ animations: "disabled", caret: "hide" });

/**
 * The tower's ink stays inside its own row: the area around the row (above it, below it, and
 * beside it past a few pixels) looks the same, pixel for pixel, whether the tower is drawn or
 * hidden (visibility keeps the layout).
 */
async function expectInkInside(page: Page, area: Locator, row: Locator, ink: Locator) {
  const boxes = await row.evaluate(
    (r, a) => {
      if (!a) throw new Error("no area");
      const page = (b: DOMRect) => ({ x: b.x + window.scrollX, y: b.y + window.scrollY, right: b.right + window.scrollX, bottom: b.bottom + window.scrollY });
      return { row: page(r.getBoundingClientRect()), area: page(a.getBoundingClientRect()) };
    },
    await area.elementHandle(),
  );
  const { row: r, area: a } = boxes;
  const [top, bottom, left, right] = [Math.max(0, Math.floor(a.y) - 16), Math.ceil(a.bottom) + 16, Math.max(0, Math.floor(a.x)), Math.ceil(a.right)];
  const side = 4; // a glyph may start a pixel or two left of its box
  const regions = [
    { x: left, y: top, width: right - left, height: Math.floor(r.y) - top },
    { x: left, y: Math.ceil(r.bottom), width: right - left, height: bottom - Math.ceil(r.bottom) },
    { x: left, y: Math.floor(r.y), width: Math.floor(r.x) - side - left, height: Math.ceil(r.bottom) - Math.floor(r.y) },
    { x: Math.ceil(r.right) + side, y: Math.floor(r.y), width: right - Math.ceil(r.right) - side, height: Math.ceil(r.bottom) - Math.floor(r.y) },
  ].filter((c) => c.width > 0 && c.height > 0);
  expect(regions.length).toBeGreaterThan(1);
  const shots = async () => Promise.all(regions.map((clip) => page.screenshot({ clip, fullPage: true, animations: "disabled", caret: "hide" })));
  const drawn = await shots();
  await ink.evaluate((el) => el.setAttribute("style", "visibility: hidden"));
  const hidden = await shots();
  await ink.evaluate((el) => el.removeAttribute("style"));
  for (const [i, d] of drawn.entries())
    expect(Buffer.compare(d, hidden[i]!), `the tower of combining marks paints over other rows (${JSON.stringify(regions[i])})`).toBe(0);
}

/**
 * Clipping cuts no ordinary mark: with the tower hidden, the area looks the same with the rows
 * clipped (as served) and with clipping turned off.
 */
async function expectNothingElseCut(page: Page, area: Locator, towers: Locator) {
  await towers.evaluateAll((els) => els.forEach((el) => el.setAttribute("style", "visibility: hidden")));
  const clipped = await shot(area);
  const style = await page.addStyleTag({ content: ".name-row, td.name-cell { overflow: visible !important; }" });
  const unclipped = await shot(area);
  await style.evaluate((el) => el.parentNode?.removeChild(el));
  await towers.evaluateAll((els) => els.forEach((el) => el.removeAttribute("style")));
  expect(Buffer.compare(clipped, unclipped), "clipping a row cut a mark of an ordinary name").toBe(0);
}

/** The long name wraps onto several lines inside its box: not cut, no ellipsis, nothing past the box. */
async function expectWraps(name: Locator, box: Locator) {
  const facts = await name.evaluate(
    (el, boxEl) => {
      const lines = new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size;
      if (!boxEl) throw new Error("no box");
      const b = boxEl.getBoundingClientRect();
      const n = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return {
        lines,
        right: n.right,
        boxRight: b.right + 1,
        ellipsis: style.textOverflow === "ellipsis" || getComputedStyle(boxEl).textOverflow === "ellipsis",
      };
    },
    await box.elementHandle(),
  );
  expect(facts.lines, "the long name is on one line").toBeGreaterThan(1);
  expect(facts.right, "the long name runs past its box").toBeLessThanOrEqual(facts.boxRight);
  expect(facts.ellipsis).toBe(false);
}

async function saveShot(page: Page, name: string) {
  const dir = path.join("test-results", "world-names");
  await fs.mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** The server's HTML of a page (what the Nu Html Checker reads), with the browser's cookies. */
async function serverHtml(page: Page, url: string, files: string[]) {
  const res = await page.request.get(url);
  expect(res.status(), url).toBe(200);
  const dir = dirs[0] ?? (await fs.mkdtemp(path.join(os.tmpdir(), "appeals-world-names-")));
  if (!dirs.length) dirs.push(dir);
  const file = path.join(dir, `${files.length}.html`);
  await fs.writeFile(file, await res.body());
  files.push(file);
}

test("the public list shows every name as written, isolated, wrapped, and the tower within its row", async ({ page }) => {
  const files: string[] = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await page.goto(`/appeals/${appeal.slug}?lang=en`);
    const list = page.locator(".signer-list");
    const names = list.locator(".signer-name");
    await expect(names).toHaveCount(SIGNERS.length);
    expectEachOnce(
      await names.allTextContents(),
      SIGNERS.map((s) => s.name),
    );
    await expectIsolated(names);
    // Cities too, each in its own isolate.
    const cities = list.locator("li bdi:not(.signer-name)");
    expectEachOnce(
      await cities.allTextContents(),
      SIGNERS.map((s) => s.city),
    );
    await expectIsolated(cities);
    // A right-to-left name keeps its row's order: the name, then ", city", left to right as the page runs.
    for (const s of WORLD_NAMES.filter((n) => n.rtl)) {
      const row = list.locator(".name-row", { has: page.locator(".signer-name", { hasText: s.name }) });
      const name = await row.locator(".signer-name").boundingBox();
      const city = await row.locator("bdi:not(.signer-name)").boundingBox();
      if (name && city && Math.abs(name.y - city.y) < 2) expect(name.x, s.name).toBeLessThan(city.x);
    }
    await expectNoSidewaysScroll(page);
    // The organization's name in "Published on … by …", between isolates (U+2068 … U+2069).
    await expect(page.locator("p.meta")).toContainText(`\u2068${ORGANIZATION}\u2069`);

    for (const tower of TOWERS) {
      const towerRow = list.locator(".name-row", { has: page.locator(".signer-name", { hasText: tower }) });
      await expectInkInside(page, list, towerRow, towerRow.locator(".signer-name"));
    }
    await expectNothingElseCut(page, list, list.locator(".signer-name", { hasText: /Test|Tall/ }));
    const longRow = list.locator(".name-row", { has: page.locator(".signer-name", { hasText: LONG }) });
    await expectWraps(longRow.locator(".signer-name"), longRow);
    await saveShot(page, `public-${viewport.width}`);
  }
  await serverHtml(page, `/appeals/${appeal.slug}?lang=en`, files);
  const errors = await validate(files);
  expect(errors.map((e) => `${e.message} (${e.extract ?? ""})`)).toEqual([]);
});

test("the organizer's signatures page and the CSV keep every name as written", async ({ page }) => {
  const files: string[] = [];
  await signIn(page, ownerOf(appeal));
  const base = `/dashboard/appeals/${appeal.id}`;
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await page.goto(`${base}/signatures?lang=en`);
    const table = page.locator("section[aria-labelledby=recent-h] table");
    const names = table.locator("tbody tr td:first-child bdi");
    await expect(names).toHaveCount(SIGNERS.length);
    expectEachOnce(
      await names.allTextContents(),
      SIGNERS.map((s) => s.name),
    );
    await expectIsolated(names);
    const cities = table.locator("tbody tr td:nth-child(2) bdi");
    expectEachOnce(
      await cities.allTextContents(),
      SIGNERS.map((s) => s.city),
    );
    await expectIsolated(cities);
    // Cities in the places table, each isolated too (the ten largest: every city here has one signer).
    await expectIsolated(page.locator("section[aria-labelledby=cities-h] table bdi"));
    await expectNoSidewaysScroll(page);

    for (const tower of TOWERS) {
      const towerCell = table.locator("td.name-cell", { has: page.locator("bdi", { hasText: tower }) });
      await expectInkInside(page, table, towerCell, towerCell.locator("bdi"));
    }
    await expectNothingElseCut(page, table.locator("tbody"), table.locator("td.name-cell bdi", { hasText: /Test|Tall/ }));
    const longCell = table.locator("td.name-cell", { has: page.locator("bdi", { hasText: LONG }) });
    await expectWraps(longCell.locator("bdi"), longCell);
    await saveShot(page, `signatures-${viewport.width}`);
  }
  await serverHtml(page, `${base}/signatures?lang=en`, files);

  // The CSV: every name and city byte for byte.
  await page.goto(`${base}/signatures?lang=en`);
  await page.getByLabel("Purpose of this export").fill("Names in every script");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-world-csv-"));
  dirs.push(dir);
  const file = path.join(dir, "export.csv");
  await download.saveAs(file);
  const rows = csvObjects((await fs.readFile(file)).subarray(3).toString("utf8"));
  for (const s of SIGNERS) {
    const row = rows.find((r) => r.name === s.name);
    expect(row, s.name).toBeDefined();
    expect(Buffer.from(row!.name)).toEqual(Buffer.from(s.name));
    expect(row!.city).toBe(s.city);
    if (s.organization) expect(row!.organization).toBe(s.organization);
  }

  const errors = await validate(files);
  expect(errors.map((e) => `${e.message} (${e.extract ?? ""})`)).toEqual([]);
});

test("the letters page lists which names a letter transliterated, to the appeal's organizers", async ({ page }) => {
  // A ready letter as the pipeline records it: the transliterated names sealed, more than the page lists.
  const extra = Array.from({ length: 52 }, (_, i) => `ሰላም ${i + 1}`);
  const flagged = [...UNDRAWN, ...extra];
  const code = crypto
    .randomBytes(9)
    .toString("base64url")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "X")
    .slice(0, 12);
  await client.query(
    `INSERT INTO letters (appeal_id, code, lang, revision, count, digest, status, pages, size, flagged_names, finished_at)
     VALUES ($1, $2, 'en', 1, $3, 'e2e', 'ready', 1, 1, $4::jsonb, now())`,
    [appeal.id, code, SIGNERS.length, JSON.stringify(flagged.map((n) => seal(n, "name", ring())))],
  );
  await signIn(page, ownerOf(appeal));
  const url = `/dashboard/appeals/${appeal.id}/letters?lang=en`;
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await page.goto(url);
    const details = page.locator("details.flagged-names");
    // The count as before (its wording is the PDF side's), then the names themselves.
    await expect(details.locator("summary")).toHaveText(new RegExp(`^${flagged.length} names `));
    await details.locator("summary").click();
    const shown = details.locator("li bdi");
    await expect(shown).toHaveCount(50);
    expect(await shown.allTextContents()).toEqual(flagged.slice(0, 50));
    await expect(details.getByText("and 5 more names")).toBeVisible();
    await expectNoSidewaysScroll(page);
    await saveShot(page, `letters-${viewport.width}`);
  }
  // In Russian and Kazakh too.
  await page.goto(url.replace("lang=en", "lang=ru"));
  await page.locator("details.flagged-names summary").click();
  await expect(page.getByText("и ещё 5 имён")).toBeVisible();
  await page.goto(url.replace("lang=en", "lang=kk"));
  await page.locator("details.flagged-names summary").click();
  await expect(page.getByText("және тағы 5 есім")).toBeVisible();
  // The sealed values never reach the page (its HTML or the data it hydrates from).
  const html = await (await page.request.get(url)).text();
  expect(html).not.toMatch(/s1:[0-9a-f]{8}:/);
  const files: string[] = [];
  await serverHtml(page, url, files);
  const errors = await validate(files);
  expect(errors.map((e) => `${e.message} (${e.extract ?? ""})`)).toEqual([]);
  await client.query("DELETE FROM letters WHERE code = $1", [code]);
});

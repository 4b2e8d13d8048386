import { promises as fs, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Locator } from "@playwright/test";
import pg from "pg";
import { csvObjects } from "../fixtures/csv";
import { expect, expectAccessible, test } from "./fixtures";
import { closeFixtureDb, createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./helpers/appeal-fixture";
import { signIn } from "./helpers/sign-in";

/**
 * The organizer's dashboard of one appeal, with signatures seeded in the database: the numbers,
 * the server-rendered charts and the places match the database in English, Russian and Kazakh;
 * hiding a name takes it off the public list; removing needs a reason; the CSV downloads.
 */

interface Seeded {
  name: string;
  city: string | null;
  country: string | null;
  status: "confirmed" | "pending";
  disclosure: "public" | "initials" | "private";
  email: string;
  keepInformed: boolean;
  hoursAgo: number;
}

function fixtureNames(): Array<{ name: string; city: string; country: string }> {
  const raw: unknown = JSON.parse(readFileSync(path.join(process.cwd(), "tests/fixtures/names.json"), "utf8"));
  const list = typeof raw === "object" && raw !== null && "names" in raw && Array.isArray(raw.names) ? (raw.names as unknown[]) : [];
  return list.map((v) => {
    const o = v as Record<string, unknown>;
    return { name: String(o.name), city: String(o.city), country: String(o.country) };
  });
}

const NAMES = fixtureNames();
const unique = Date.now().toString(36);

/** Every fixture name confirmed (a third of them in the last three days), plus Almaty twice and two pending. */
const SIGNERS: Seeded[] = [
  ...NAMES.map((n, i) => ({
    name: n.name,
    city: n.city,
    country: n.country,
    status: "confirmed" as const,
    disclosure: i % 4 === 3 ? ("initials" as const) : ("public" as const),
    email: `dash-${i}-${unique}@mail.example`,
    keepInformed: i % 2 === 0,
    hoursAgo: i % 3 === 0 ? 1 + i * 3 : 24 * (4 + i),
  })),
  {
    name: "Дәулет Әбілов",
    city: "Алматы",
    country: "KZ",
    status: "confirmed",
    disclosure: "public",
    email: `dash-a1-${unique}@mail.example`,
    keepInformed: false,
    hoursAgo: 2,
  },
  {
    name: "Самал Нұрланқызы",
    city: "Алматы",
    country: "KZ",
    status: "confirmed",
    disclosure: "public",
    email: `dash-a2-${unique}@mail.example`,
    keepInformed: true,
    hoursAgo: 30,
  },
  {
    name: "Ожидающий Подтверждения",
    city: null,
    country: null,
    status: "pending",
    disclosure: "public",
    email: `dash-p1-${unique}@mail.example`,
    keepInformed: true,
    hoursAgo: 1,
  },
  {
    name: "Ещё Один Ожидающий",
    city: null,
    country: null,
    status: "pending",
    disclosure: "public",
    email: `dash-p2-${unique}@mail.example`,
    keepInformed: false,
    hoursAgo: 3,
  },
];

let client: pg.Client;
const appeals: FixtureAppeal[] = [];

test.beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
});

test.afterAll(async () => {
  for (const appeal of appeals) await deleteAppeal(appeal).catch(() => undefined);
  await closeFixtureDb();
  await client.end();
});

async function seed(appealId: number) {
  for (const s of SIGNERS) {
    await client.query(
      `INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, disclosure, keep_informed, email, email_key, created_at, confirmed_at)
       VALUES ($1, 1, 'ru', $2, $3, $4, $5, $6, $7, $8, $8, now() - ($9 || ' hours')::interval, CASE WHEN $2 = 'confirmed' THEN now() - ($9 || ' hours')::interval END)`,
      [appealId, s.status, s.name, s.city, s.country, s.disclosure, s.keepInformed, s.email, String(s.hoursAgo)],
    );
  }
}

/** What the database says the dashboard must show. */
async function truth(appealId: number) {
  const one = async (q: string) => Number((await client.query<{ n: string }>(q, [appealId])).rows[0]?.n ?? 0);
  const confirmed = await one("SELECT count(*) AS n FROM signatures WHERE appeal_id = $1 AND status = 'confirmed'");
  const pending = await one("SELECT count(*) AS n FROM signatures WHERE appeal_id = $1 AND status = 'pending'");
  const lastHours = await one(
    "SELECT count(*) AS n FROM signatures WHERE appeal_id = $1 AND status = 'confirmed' AND confirmed_at >= date_trunc('hour', now(), 'UTC') - interval '71 hours'",
  );
  const days = await one("SELECT count(DISTINCT date_trunc('day', confirmed_at, 'UTC')) AS n FROM signatures WHERE appeal_id = $1 AND status = 'confirmed'");
  const countries = (
    await client.query<{ country: string | null; n: number }>(
      "SELECT country, count(*)::int AS n FROM signatures WHERE appeal_id = $1 AND status = 'confirmed' GROUP BY country ORDER BY n DESC, country LIMIT 10",
      [appealId],
    )
  ).rows;
  const cities = (
    await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM signatures WHERE appeal_id = $1 AND status = 'confirmed' AND city IS NOT NULL GROUP BY lower(city), country ORDER BY n DESC LIMIT 10",
      [appealId],
    )
  ).rows;
  return { confirmed, pending, lastHours, days, countries, cities: cities.map((c) => c.n) };
}

/** The numbers in a chart's bars (each bar's tooltip is "label: n"). */
async function barValues(chart: Locator): Promise<number[]> {
  const titles = await chart.locator("rect > title").allTextContents();
  return titles.map((t) => Number(t.slice(t.lastIndexOf(":") + 1).trim()));
}

/** The count column of a place table, as plain numbers. */
async function tableCounts(section: Locator): Promise<number[]> {
  const cells = await section.locator("table tbody tr td:last-child").allTextContents();
  return cells.map((c) => Number(c.replace(/\D/g, "")));
}

const digits = (s: string | null) => (s ?? "").replace(/\D/g, "");

const LABELS = {
  en: {
    confirmed: "Confirmed",
    perHour: "Signatures per hour, last 72 hours (UTC)",
    perDay: "Signatures per day",
    countries: "Top countries",
    cities: "Top cities",
    kz: "Kazakhstan",
    notGiven: "Not given",
  },
  ru: {
    confirmed: "Подтверждено",
    perHour: "Подписи по часам за последние 72 часа (UTC)",
    perDay: "Подписи по дням",
    countries: "Основные страны",
    cities: "Основные города",
    kz: "Казахстан",
    notGiven: "Не указана",
  },
  kk: { confirmed: null, perHour: null, perDay: null, countries: null, cities: null, kz: "Қазақстан", notGiven: null },
} as const;

test.describe("organizer dashboard", () => {
  test("numbers, charts and places match the database in en, ru and kk; hide, remove and export work", async ({ page }) => {
    test.setTimeout(180_000);
    const appeal = await createPublishedAppeal({
      originalLanguage: "ru",
      versions: {
        ru: { title: "Освободите журналистов", summary: "Коалиция просит освободить журналистов.", body: "## Мы просим\n\nОсвободить задержанных." },
        en: { title: "Free the journalists", summary: "A coalition asks for the release of journalists.", body: "## We ask\n\nRelease the detained." },
        kk: { title: "Журналистерді босатыңыз", summary: "Коалиция журналистерді босатуды сұрайды.", body: "## Біз сұраймыз\n\nҰсталғандарды босату." },
      },
      goal: 100,
    });
    appeals.push(appeal);
    await seed(appeal.id);
    const owner = `owner-${appeal.slug.replace(/^e2e-sign-/, "")}@example.org`;
    await signIn(page, owner);
    await page.setViewportSize({ width: 1280, height: 900 });
    const base = `/dashboard/appeals/${appeal.id}`;
    const expected = await truth(appeal.id);
    expect(expected.confirmed).toBe(NAMES.length + 2);
    expect(expected.lastHours).toBeGreaterThan(3);

    for (const lang of ["en", "ru", "kk"] as const) {
      await page.goto(`${base}/signatures?lang=${lang}`);
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expect(page.getByTestId("stat-confirmed")).toHaveText(new Intl.NumberFormat(lang).format(expected.confirmed));
      expect(digits(await page.getByTestId("stat-pending").textContent())).toBe(String(expected.pending));
      // Goal progress: confirmed of 100.
      const progress = page.getByRole("progressbar");
      await expect(progress).toHaveAttribute("aria-valuenow", String(expected.confirmed));
      await expect(progress).toHaveAttribute("aria-valuemax", "100");

      // Four server-rendered SVG charts, each titled, none loading anything from elsewhere.
      const charts = page.locator("figure.chart");
      await expect(charts).toHaveCount(4);
      for (const figure of await charts.all()) {
        const svg = figure.locator("svg");
        await expect(svg).toHaveAttribute("role", "img");
        // Each chart is named by its own title (the caption under it), in every language.
        const caption = ((await figure.locator("figcaption").textContent()) ?? "").trim();
        expect(caption).not.toBe("");
        expect(await svg.evaluate((el) => document.getElementById(el.getAttribute("aria-labelledby") ?? "")?.textContent ?? "")).toBe(caption);
        expect((await svg.boundingBox())?.width ?? 0).toBeGreaterThan(300);
      }
      const [hourly, daily, countryChart, cityChart] = [charts.nth(0), charts.nth(1), charts.nth(2), charts.nth(3)];
      const label = LABELS[lang];
      if (label.perHour) await expect(hourly.locator("figcaption")).toHaveText(label.perHour);
      if (label.perDay) await expect(daily.locator("figcaption")).toHaveText(label.perDay);
      // Per hour: 72 bars adding up to the last three days' signatures; per day: one bar per day, adding up to all.
      const hours = await barValues(hourly);
      expect(hours).toHaveLength(72);
      expect(hours.reduce((a, b) => a + b, 0)).toBe(expected.lastHours);
      const days = await barValues(daily);
      expect(days).toHaveLength(expected.days);
      expect(days.reduce((a, b) => a + b, 0)).toBe(expected.confirmed);
      expect(days.every((n) => n > 0)).toBe(true);
      // Bars with data have a height.
      const heights = await hourly.locator("rect").evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("height"))));
      expect(heights.filter((h) => h > 0)).toHaveLength(hours.filter((n) => n > 0).length);

      // Places: the chart and the table agree with the database, names in the page's language.
      const countries = page.locator("section[aria-labelledby=countries-h]");
      const cities = page.locator("section[aria-labelledby=cities-h]");
      if (label.countries) await expect(countries.getByRole("heading", { level: 2 })).toHaveText(label.countries);
      if (label.cities) await expect(cities.getByRole("heading", { level: 2 })).toHaveText(label.cities);
      expect(await tableCounts(countries)).toEqual(expected.countries.map((c) => c.n));
      // Horizontal bars: a label and the number beside each bar.
      const countryBars = await countryChart.locator("svg text").allTextContents();
      expect(countryBars.filter((_, i) => i % 2 === 1).map(Number)).toEqual(expected.countries.map((c) => c.n));
      await expect(countries.locator("tbody tr").first()).toContainText(label.kz);
      expect(await tableCounts(cities)).toEqual(expected.cities);
      expect((await cityChart.locator("svg text").allTextContents()).filter((_, i) => i % 2 === 1).map(Number)).toEqual(expected.cities);
      await expect(cities.locator("tbody tr").first()).toContainText(/Алматы/);

      // Recent signatures: names and places, never an address.
      const recent = page.locator("section[aria-labelledby=recent-h]");
      await expect(recent.locator("tbody tr")).toHaveCount(SIGNERS.length);
      await expect(recent).toContainText("Ожидающий Подтверждения");
      await expect(recent).toContainText('O\'Brien <b>&amp;</b> "Quotes"');
      const html = await page.content();
      expect(html).not.toContain("@mail.example");
      expect(html).not.toContain("\uFFFD"); // every script came through intact
      await expect(cityChart.locator("svg text").filter({ hasText: "Θεσσαλονίκη" })).toHaveCount(1);

      await expectAccessible(page);
      await page.screenshot({ path: `/tmp/dashboard-${lang}.png`, fullPage: true });
      await page.locator(".two-col").screenshot({ path: `/tmp/dashboard-places-${lang}.png` });
    }

    // Moderation: hide a name; it leaves the public list but stays counted.
    const hiddenName = "Jürgen Weiß";
    const shownName = "Айгерім Сейітқалиева";
    const publicNames = async () => {
      await page.goto(`/appeals/${appeal.slug}?lang=en`);
      return page.locator(".signer-list .signer-name").allTextContents();
    };
    await expect.poll(publicNames).toContain(hiddenName);
    await page.goto(`${base}/signatures?lang=en`);
    const row = page.locator("section[aria-labelledby=recent-h] tbody tr").filter({ hasText: hiddenName });
    await row.getByRole("button", { name: "Hide from public list" }).click();
    await expect(row.locator(".badge")).toHaveText(/hidden/);
    await expect(row.getByRole("button", { name: "Show on public list" })).toBeVisible();
    await expect.poll(publicNames, { timeout: 15_000 }).not.toContain(hiddenName);
    expect(await publicNames()).toContain(shownName);
    const stored = await client.query<{ hidden: boolean; status: string }>("SELECT hidden, status FROM signatures WHERE appeal_id = $1 AND name = $2", [
      appeal.id,
      hiddenName,
    ]);
    expect(stored.rows).toEqual([{ hidden: true, status: "confirmed" }]);

    // Removal needs a reason, then it is recorded and the count drops.
    await page.goto(`${base}/signatures?lang=en`);
    const abusive = page.locator("section[aria-labelledby=recent-h] tbody tr").filter({ hasText: "=SUM(A1:A9) Test" });
    await abusive.locator("summary").click();
    const reason = abusive.getByLabel("Reason for removal (recorded)");
    await abusive.getByRole("button", { name: "Remove", exact: true }).click();
    expect(await reason.evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
    await expect(page.getByTestId("stat-confirmed")).toHaveText(String(expected.confirmed));
    await reason.fill("Формула вместо имени");
    await abusive.getByRole("button", { name: "Remove", exact: true }).click();
    await expect(page.getByRole("status")).toHaveText("Signature removed.");
    await expect(page.getByTestId("stat-confirmed")).toHaveText(String(expected.confirmed - 1));
    const removed = await client.query<{ status: string; removed_reason: string; email: string | null }>(
      "SELECT status, removed_reason, email FROM signatures WHERE appeal_id = $1 AND name = $2",
      [appeal.id, "=SUM(A1:A9) Test"],
    );
    expect(removed.rows).toEqual([{ status: "removed", removed_reason: "Формула вместо имени", email: null }]);
    await expectAccessible(page);

    // The CSV: a purpose, then the download — BOM, every confirmed signer, addresses only for those kept informed.
    await page.getByLabel("Purpose of this export").fill("Список для встречи с адресатом");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toBe(`${appeal.slug}-signatures.csv`);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-e2e-dashboard-"));
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const bytes = await fs.readFile(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = csvObjects(bytes.subarray(3).toString("utf8"));
    const confirmed = SIGNERS.filter((s) => s.status === "confirmed" && s.name !== "=SUM(A1:A9) Test");
    expect(rows).toHaveLength(confirmed.length);
    const cell = (v: string) => (/^[=+\-@]/.test(v) ? `'${v}` : v);
    expect(rows.map((r) => r.name).sort()).toEqual(confirmed.map((s) => cell(s.name)).sort());
    for (const s of confirmed) {
      const r = rows.find((x) => x.name === cell(s.name));
      expect(r?.email).toBe(s.keepInformed ? s.email : "");
      expect(r?.city).toBe(cell(s.city ?? ""));
    }
    expect(rows.find((r) => r.name === "Һибатулла Ұзақбаев")?.city).toBe("Түркістан");
    const recorded = await client.query<{ purpose: string }>("SELECT purpose FROM exports WHERE appeal_id = $1", [appeal.id]);
    expect(recorded.rows).toEqual([{ purpose: "Список для встречи с адресатом" }]);
    await fs.rm(dir, { recursive: true, force: true });

    // Exporting without a purpose: a message, nothing downloaded.
    await page.goto(`${base}/signatures?lang=en`);
    await page.getByRole("button", { name: "Download CSV" }).click();
    await expect(page).toHaveURL(/exportError=form\.required/);
    await expect(page.locator("#export-h ~ form .field-error, #export-h ~ form [role=alert]").first()).toBeVisible();
    expect((await client.query("SELECT 1 FROM exports WHERE appeal_id = $1", [appeal.id])).rowCount).toBe(1);
  });
});

import crypto from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext } from "@playwright/test";
import pg from "pg";
import { expect } from "../fixtures";
import { createPublishedAppeal, deleteAppeal, type FixtureAppeal } from "./appeal-fixture";
import { loginLink } from "./sign-in";

/**
 * Every page of the app with realistic data behind it, for checks that hold on all of them
 * (page width on a phone, a console clean of CSP violations): one published appeal in English,
 * Russian and Kazakh with long words, an addressee with a long institution name, every name of
 * tests/fixtures/names.json as a signatory, generated letters, a published update, and real
 * links for the token pages.
 */
export interface TourPage {
  /** A short name for reports ("appeal page", "dashboard: letters"). */
  name: string;
  url: string;
}

export interface Tour {
  appeal: FixtureAppeal;
  publicPages: TourPage[];
  dashboardPages: TourPage[];
  /** A browser context signed in as the appeal's owner. */
  signedIn: BrowserContext;
  cleanup: () => Promise<void>;
}

interface FixtureName {
  name: string;
  city: string;
  country: string;
}

function fixtureNames(): FixtureName[] {
  const raw: unknown = JSON.parse(readFileSync(path.join(process.cwd(), "tests/fixtures/names.json"), "utf8"));
  const list = typeof raw === "object" && raw !== null && "names" in raw && Array.isArray(raw.names) ? (raw.names as unknown[]) : [];
  return list.map((v) => {
    const o = v as Record<string, unknown>;
    return { name: String(o.name), city: String(o.city), country: String(o.country) };
  });
}

// Long words are what phones choke on: Kazakh and Russian compounds, a long institution name.
const VERSIONS = {
  ru: {
    title: "Освободите журналистов, задержанных за профессиональную деятельность",
    summary: "Коалиция правозащитных организаций просит немедленно освободить журналистов и прекратить преследование.",
    body: "## Мы просим\n\n1. **Освободить** задержанных журналистов.\n2. Прекратить административно-процессуальные преследования.\n\nПодробности: https://example.org/reports/2026/detained-journalists-full-report-with-annexes",
  },
  en: {
    title: "Free the journalists detained for their work",
    summary: "A coalition of human rights organizations asks for the immediate release of journalists.",
    body: "## We ask\n\n1. To **release** the detained journalists.\n2. To end the prosecutions.\n\nDetails: https://example.org/reports/2026/detained-journalists-full-report-with-annexes",
  },
  kk: {
    title: "Кәсіби қызметі үшін ұсталған журналистерді босатыңыздар",
    summary: "Құқыққорғаушылық ұйымдарының коалициясы журналистерді дереу босатуды сұрайды.",
    body: "## Біз сұраймыз\n\n1. Ұсталған журналистерді **босатуды**.\n2. Әкімшілік-процессуалдық қудалауларды тоқтатуды.\n\nТолығырақ: https://example.org/reports/2026/detained-journalists-full-report-with-annexes",
  },
};

const LONG_ADDRESSEE = {
  en: {
    name: "Aigerim Seitkaliyeva",
    position: "Chairwoman of the Committee on International Affairs, Defence and Security",
    institution: "Mazhilis of the Parliament of the Republic of Kazakhstan",
  },
  ru: {
    name: "Айгерім Сейітқалиева",
    position: "Председатель Комитета по международным делам, обороне и безопасности",
    institution: "Мажилис Парламента Республики Казахстан",
  },
  kk: {
    name: "Айгерім Сейітқалиева",
    position: "Халықаралық істер, қорғаныс және қауіпсіздік комитетінің төрағасы",
    institution: "Қазақстан Республикасы Парламентінің Мәжілісі",
  },
};

async function insertToken(client: pg.Client, signatureId: number, purpose: "confirm" | "reject" | "withdraw" | "unsubscribe"): Promise<string> {
  const token = crypto.randomBytes(32).toString("base64url");
  const hash = crypto.createHash("sha256").update(token, "utf8").digest();
  await client.query("INSERT INTO signature_tokens (token_hash, signature_id, purpose, expires_at) VALUES ($1, $2, $3, now() + interval '7 days')", [
    hash,
    signatureId,
    purpose,
  ]);
  return token;
}

export async function buildTour(browser: Browser): Promise<Tour> {
  const appeal = await createPublishedAppeal({
    originalLanguage: "ru",
    versions: VERSIONS,
    fields: { city: "optional", country: "optional", organization: "optional", position: "optional" },
    goal: 1000,
  });
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  const signedIn = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  const cleanup = async () => {
    await signedIn.close().catch(() => undefined);
    await client.end().catch(() => undefined);
    await deleteAppeal(appeal).catch(() => undefined);
  };
  try {
    const { rows: orgRows } = await client.query<{ organization_id: string }>("SELECT organization_id FROM appeals WHERE id = $1", [appeal.id]);
    const orgId = orgRows[0]!.organization_id;
    await client.query("INSERT INTO addressees (appeal_id, position, email, translations) VALUES ($1, 2, $2, $3)", [
      appeal.id,
      "international-affairs-defence-security-committee@parlam.example.kz",
      JSON.stringify(LONG_ADDRESSEE),
    ]);

    // Every fixture name confirmed, with organizations and positions; one pending.
    const unique = crypto.randomBytes(4).toString("hex");
    const ids: number[] = [];
    const names = fixtureNames();
    for (const [i, n] of names.entries()) {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, organization, position, disclosure, keep_informed, email, email_key, created_at, confirmed_at)
         VALUES ($1, 1, $2, 'confirmed', $3, $4, $5, $6, $7, $8, true, $9, $9, now() - ($10 || ' hours')::interval, now() - ($10 || ' hours')::interval) RETURNING id`,
        [
          appeal.id,
          ["ru", "en", "kk"][i % 3],
          n.name,
          n.city,
          n.country,
          i % 2 ? "Қазақстандық халықаралық адам құқықтары және заңдылықты сақтау жөніндегі бюросы" : null,
          i % 2 ? "Аға ғылыми қызметкер" : null,
          i % 4 === 3 ? "initials" : "public",
          `tour-${i}-${unique}@mail.example`,
          String(1 + i * 7),
        ],
      );
      ids.push(Number(rows[0]!.id));
    }
    // A cursor into the list (as the page's own "More signatories" link carries it: base64url
    // of the confirmation time and id, see encodeListCursor): the page after the 10th newest.
    const { rows: keyRows } = await client.query<{ id: string; at: string }>(
      `SELECT id, to_char(confirmed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM signatures
       WHERE appeal_id = $1 AND status = 'confirmed' ORDER BY confirmed_at DESC, id DESC OFFSET 9 LIMIT 1`,
      [appeal.id],
    );
    const olderCursor = Buffer.from(`${keyRows[0]!.at}~${keyRows[0]!.id}`, "utf8").toString("base64url");
    const { rows: pendingRows } = await client.query<{ id: string }>(
      `INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, disclosure, keep_informed, email, email_key)
       VALUES ($1, 1, 'kk', 'pending', 'Нұрсұлтанқызы Әйгерім-Гүлжазира', 'Қарағанды', 'KZ', 'public', false, $2, $2) RETURNING id`,
      [appeal.id, `tour-pending-${unique}@mail.example`],
    );
    await client.query("UPDATE appeal_counts SET confirmed = $2, pending = 1 WHERE appeal_id = $1", [appeal.id, names.length]);
    const pendingId = Number(pendingRows[0]!.id);
    const tokens = {
      confirm: await insertToken(client, pendingId, "confirm"),
      reject: await insertToken(client, pendingId, "reject"),
      withdraw: await insertToken(client, ids[0]!, "withdraw"),
      unsubscribe: await insertToken(client, ids[1]!, "unsubscribe"),
    };

    // Signed in as the owner, through the e-mailed link.
    const owner = `owner-${appeal.slug.replace(/^e2e-sign-/, "")}@example.org`;
    const page = await signedIn.newPage();
    await page.goto(await loginLink(page, owner));
    await page.locator("main form button[type=submit]").click();
    await expect(page).toHaveURL(/\/dashboard$/);
    const base = `/dashboard/appeals/${appeal.id}`;

    // Letters in every language, generated by the app.
    await page.goto(`${base}/letters?lang=en`);
    await page.getByRole("button", { name: "All languages (ZIP)" }).click();
    await expect(page.getByRole("link", { name: "Download all as ZIP" })).toBeVisible({ timeout: 120_000 });
    await page.goto(`${base}/letters?lang=en`);
    const code = ((await page.getByRole("row").filter({ hasText: "Russian" }).locator("code").first().textContent()) ?? "").trim();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    // An update to the signers, in all three languages.
    await page.goto(`${base}/updates?lang=en`);
    for (const lang of ["ru", "en", "kk"] as const) {
      await page.locator(`[name="title.${lang}"]`).fill(VERSIONS[lang].title);
      await page.locator(`[name="body.${lang}"]`).fill(VERSIONS[lang].summary);
    }
    await page.locator('form:has([name="title.en"]) button[type=submit]').click();
    await expect(page.getByRole("status")).toBeVisible();

    // A fresh sign-in link, left unused, for the token page.
    const anonymous = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
    const unusedLogin = await loginLink(await anonymous.newPage(), owner);
    await anonymous.close();
    await page.close();

    const slug = appeal.slug;
    const publicPages: TourPage[] = [
      { name: "home", url: "/" },
      { name: "appeal page", url: `/appeals/${slug}` },
      { name: "appeal page, an older page of signatories", url: `/appeals/${slug}?after=${olderCursor}` },
      { name: "sign: check your mail", url: `/appeals/${slug}/sent` },
      { name: "sign: thanks", url: `/appeals/${slug}/thanks` },
      { name: "confirm link", url: `/s/confirm/${tokens.confirm}` },
      { name: "reject link", url: `/s/reject/${tokens.reject}` },
      { name: "withdraw link", url: `/s/withdraw/${tokens.withdraw}` },
      { name: "unsubscribe link", url: `/s/unsubscribe/${tokens.unsubscribe}` },
      { name: "expired or unknown link", url: `/s/confirm/${"A".repeat(43)}` },
      { name: "verify form", url: "/verify" },
      { name: "verify result", url: `/verify/${code}` },
      { name: "verify unknown code", url: "/verify/ZZZZ-ZZZZ-ZZZZ" },
      { name: "privacy", url: "/privacy" },
      { name: "my data", url: "/my-data" },
      { name: "sign in", url: "/login" },
      { name: "sign-in link", url: new URL(unusedLogin).pathname },
      // The e2e app runs with ORG_REGISTRATION=open (tests/setup/playwright-global.ts).
      { name: "register an organization", url: "/register" },
      { name: "registration link, unknown", url: `/register/t/${"A".repeat(43)}` },
      { name: "404", url: "/no/such/page" },
      { name: "404 appeal", url: "/appeals/no-such-appeal-here" },
    ];
    const dashboardPages: TourPage[] = [
      { name: "dashboard", url: "/dashboard" },
      { name: "dashboard: appeal", url: base },
      ...(["ru", "en", "kk"] as const).map((l) => ({ name: `dashboard: text ${l}`, url: `${base}/text/${l}` })),
      { name: "dashboard: addressees", url: `${base}/addressees` },
      { name: "dashboard: attachments", url: `${base}/attachments` },
      { name: "dashboard: settings", url: `${base}/settings` },
      { name: "dashboard: signatures", url: `${base}/signatures` },
      { name: "dashboard: signature search", url: `${base}/signatures?q=${encodeURIComponent(names[0]!.city.slice(0, 3))}` },
      { name: "dashboard: paper signatures", url: `${base}/paper` },
      { name: "dashboard: letters", url: `${base}/letters` },
      { name: "dashboard: updates", url: `${base}/updates` },
      { name: "dashboard: preview", url: `${base}/preview` },
      { name: "dashboard: organization", url: `/dashboard/orgs/${orgId}` },
      { name: "dashboard: unknown appeal", url: "/dashboard/appeals/999999999" },
    ];
    return { appeal, publicPages, dashboardPages, signedIn, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The page's URL in a UI language. */
export function inLang(url: string, lang: string): string {
  const u = new URL(url, "http://x");
  u.searchParams.set("lang", lang);
  return `${u.pathname}${u.search}`;
}

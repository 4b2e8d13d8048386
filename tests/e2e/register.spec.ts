import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import pg from "pg";
import { expect, expectAccessible, linkIn, mailbox, test } from "./fixtures";

/**
 * "Start without an operator" (issue 17 item 6), in Kazakh: an organization registers itself at
 * /register (the e2e app runs with ORG_REGISTRATION=open), its owner opens the e-mailed link and
 * lands on the dashboard signed in, and the new appeal's web address is proposed from its
 * Kazakh title in Latin letters, until the organizer edits it. Screenshots in test-results/ and
 * /tmp/shots-register/.
 */
const SHOTS = "/tmp/shots-register";
const ORG = "Ертіс өзенін қорғау қоғамы";
const TITLE = "Өскемендегі саябақты сақтаймыз";
const email = `register-e2e-${crypto.randomBytes(4).toString("hex")}@example.org`;

async function shot(page: import("@playwright/test").Page, name: string) {
  await fs.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
  await page.screenshot({ path: test.info().outputPath(name), fullPage: true });
}

test.describe.serial("registering an organization (kk)", () => {
  test.afterAll(async () => {
    const pool = new pg.Pool({ connectionString: process.env.E2E_DATABASE_URL, max: 1 });
    const orgs = await pool.query<{ id: string }>("SELECT id FROM organizations WHERE name = $1", [ORG]);
    for (const { id } of orgs.rows) {
      const users = await pool.query<{ user_id: string }>("SELECT user_id FROM memberships WHERE organization_id = $1", [id]);
      await pool.query("DELETE FROM appeals WHERE organization_id = $1", [id]);
      await pool.query("DELETE FROM organizations WHERE id = $1", [id]);
      for (const { user_id } of users.rows) await pool.query("DELETE FROM users WHERE id = $1", [user_id]);
    }
    await pool.end();
  });

  test("registers, verifies by e-mail, and creates an appeal whose address is the title in Latin letters", async ({ page }) => {
    await page.goto("/login?lang=kk");
    await page.getByRole("link", { name: "Ұйымыңыз мұнда әлі жоқ па? Тіркеңіз" }).click();
    await expect(page).toHaveURL(/\/register$/);
    await expect(page.getByRole("heading", { name: "Ұйымды тіркеу" })).toBeVisible();
    await expectAccessible(page);

    // A mistake first: the form comes back in Kazakh with what was typed.
    await page.getByLabel("Ұйымның атауы").fill(ORG);
    await page.getByLabel("Иесінің электрондық пошта мекенжайы").fill("қате-мекенжай");
    await page.getByLabel("Ұйым немен айналысады (міндетті емес)").fill("Ертіс өзенінің жағасын тазалаймыз.");
    await page.getByRole("button", { name: "Сілтемені жіберу" }).click();
    await expect(page.getByRole("alert")).toBeVisible();
    await expect(page.getByLabel("Ұйымның атауы")).toHaveValue(ORG);
    await expect(page.getByLabel("Иесінің электрондық пошта мекенжайы")).toHaveAttribute("aria-invalid", "true");
    await shot(page, "register-error-kk.png");

    await page.getByLabel("Иесінің электрондық пошта мекенжайы").fill(email);
    await page.getByRole("button", { name: "Сілтемені жіберу" }).click();
    await expect(page.getByRole("status")).toContainText("Сілтеме осы мекенжайға жіберілді");
    await expect(page.locator("body")).not.toContainText(email);
    await shot(page, "register-sent-kk.png");

    const mail = await mailbox.waitFor(mailbox.to(email));
    expect(mail.subject).toBe(`«${ORG}» ұйымының «Үндеулердегі» тіркелуін растаңыз`);
    const link = linkIn(mail.text, `${process.env.E2E_BASE_URL}/register/t/`);
    await page.goto(link);
    await expect(page.getByRole("heading", { name: "Тіркеуді аяқтау" })).toBeVisible();
    await shot(page, "register-link-kk.png");
    await page.getByRole("button", { name: "Ұйымды құру" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole("link", { name: ORG })).toBeVisible();
    // The address the owner signed in with is theirs to see on their own dashboard.
    await expect(page.getByText(email)).toBeVisible();

    // The web address follows the title as it is typed.
    const title = page.getByLabel("Тақырып");
    const slug = page.getByLabel("Веб-мекенжай");
    await title.pressSequentially(TITLE);
    await expect(slug).toHaveValue("oskemendegi-sayabaqty-saqtaimyz");
    await page.getByRole("heading", { name: /Жаңа үндеу/ }).scrollIntoViewIfNeeded();
    await shot(page, "dashboard-slug-kk.png");
    // Edited by the organizer, it stays theirs.
    await slug.fill("oskemen-sayabagy");
    await title.pressSequentially(" 2027");
    await expect(slug).toHaveValue("oskemen-sayabagy");
    // Emptied, it follows the title again.
    await slug.fill("");
    await title.fill(TITLE);
    await title.pressSequentially("!");
    await expect(slug).toHaveValue("oskemendegi-sayabaqty-saqtaimyz");
    await page.getByLabel("Түпнұсқа тілі").selectOption("kk");
    await page.getByRole("button", { name: "Жобаны жасау" }).click();
    await expect(page).toHaveURL(/\/dashboard\/appeals\/\d+$/);
    const id = Number(page.url().split("/").pop());
    const pool = new pg.Pool({ connectionString: process.env.E2E_DATABASE_URL, max: 1 });
    const row = await pool.query<{ slug: string; name: string }>(
      "SELECT a.slug, o.name FROM appeals a JOIN organizations o ON o.id = a.organization_id WHERE a.id = $1",
      [id],
    );
    await pool.end();
    expect(row.rows[0]).toEqual({ slug: "oskemendegi-sayabaqty-saqtaimyz", name: ORG });
    await shot(page, "appeal-created-kk.png");
  });
});

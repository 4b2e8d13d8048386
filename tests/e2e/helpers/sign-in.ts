import type { Page } from "@playwright/test";
import { expect, linkIn, mailbox } from "../fixtures";

/** Asks for a sign-in link for `email` (in English) and returns the newest one the mailbox received. */
export async function loginLink(page: Page, email: string): Promise<string> {
  const before = (await mailbox.all()).filter(mailbox.to(email)).length;
  await page.goto("/login?lang=en");
  await page.getByRole("textbox", { name: /e-mail/i }).fill(email);
  await page.locator("form button[type=submit]").click();
  await expect(page.getByRole("status")).toBeVisible();
  await expect.poll(async () => (await mailbox.all()).filter(mailbox.to(email)).length, { timeout: 20_000 }).toBeGreaterThan(before);
  const mails = (await mailbox.all()).filter(mailbox.to(email));
  return linkIn(mails[mails.length - 1]!.text, `${process.env.E2E_BASE_URL}/login/t/`);
}

/** Signed in through the login form and the e-mailed one-time link; ends on the dashboard. */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(await loginLink(page, email));
  await page.locator("form button[type=submit]").click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

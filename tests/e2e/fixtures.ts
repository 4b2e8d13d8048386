import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";

export interface MailMessage {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  attachments: Array<{ filename: string; contentType: string; size: number; content: string }>;
}

/** What the SMTP sink received, read through its JSON API. */
export const mailbox = {
  async all(): Promise<MailMessage[]> {
    const res = await fetch(process.env.E2E_MAIL_API ?? "");
    return (await res.json()) as MailMessage[];
  },
  async waitFor(predicate: (m: MailMessage) => boolean, timeoutMs = 20_000): Promise<MailMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await mailbox.all()).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error("the expected e-mail did not arrive");
      await new Promise((r) => setTimeout(r, 200));
    }
  },
  to(address: string) {
    return (m: MailMessage) => m.to.some((t) => t.toLowerCase() === address.toLowerCase());
  },
};

/** The first link in a plain-text e-mail that starts with `prefix`. */
export function linkIn(text: string, prefix: string): string {
  const match = text.match(new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^\\s>)"]+`));
  if (!match) throw new Error(`no link starting with ${prefix} in:\n${text}`);
  return match[0];
}

/** Accessibility: no violation of serious or critical impact on the page as it is now. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(process.env.E2E_BASE_URL);
  },
});

export { expect };

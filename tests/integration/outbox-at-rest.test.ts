import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { getDb } from "../../db/client";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, tokenIn, type Harness } from "./support/harness";
import { mailsTo } from "../fixtures/outbox";

/**
 * Issue 11, through the built app as `npm start` serves it, with its own outbox worker and a real
 * SMTP sink: a copy of the database is not a key (a sent mail keeps no address and no link, the
 * links in the mails still work), and a single-line field refuses a line break in the signer's
 * language, keeping what was typed.
 */
describe("the outbox at rest, and single-line fields", () => {
  let h: Harness;
  let appeal: { id: number; slug: string };
  let owner: { organizationId: number; userId: number; email: string };

  beforeAll(async () => {
    h = await startHarness();
    owner = await newOrganization("At Rest Org");
    appeal = await publishedAppeal(owner);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const post = (path: string, body: string) =>
    fetch(`${h.url}${path}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body, redirect: "manual" });

  /** Every row of every table, as text: what `pg_dump --data-only` would hold. */
  async function dumpByTable(): Promise<Map<string, string>> {
    const tables = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public' order by tablename`.execute(getDb());
    const dump = new Map<string, string>();
    for (const { name } of tables.rows) {
      const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} t`.execute(getDb());
      dump.set(name, rows.rows.map((r) => r.row).join("\n"));
    }
    return dump;
  }
  const tablesHolding = (dump: Map<string, string>, secret: string) =>
    [...dump].filter(([, text]) => text.toLowerCase().includes(secret.toLowerCase())).map(([name]) => name);

  it("once the worker has sent a confirmation and a sign-in mail, the database holds no token of their links and no copy of the address; the links still work", async () => {
    const signer = uniqueEmail("at-rest-signer");
    const signed = await post(`/appeals/${appeal.slug}`, signForm({ name: "Aigerim Seitkali", email: signer }));
    expect(signed.status).toBe(303);
    const loginAsked = await post("/login", new URLSearchParams({ email: owner.email }).toString());
    expect(loginAsked.status).toBeLessThan(400);
    const confirmMail = await h.sink.waitFor((m) => m.to.includes(signer) && m.text.includes("/s/confirm/"));
    const loginMail = await h.sink.waitFor((m) => m.to.includes(owner.email) && m.text.includes("/login/t/"));
    const tokens = {
      confirm: tokenIn(confirmMail.text, "confirm"),
      reject: tokenIn(confirmMail.text, "reject"),
      withdraw: tokenIn(confirmMail.text, "withdraw"),
      login: tokenIn(loginMail.text, "login"),
    };
    // The worker records each as sent right after the relay accepted it.
    const deadline = Date.now() + 20_000;
    while ((await getDb().selectFrom("outbox").select("id").where("status", "<>", "sent").execute()).length > 0) {
      if (Date.now() > deadline) throw new Error("the outbox was not marked sent");
      await new Promise((r) => setTimeout(r, 100));
    }

    const dump = await dumpByTable();
    for (const [kind, token] of Object.entries(tokens)) expect(tablesHolding(dump, token), kind).toEqual([]);
    // The addresses are nowhere in clear: not in the outbox, and sealed in the signature and the
    // account (issue 14).
    expect(tablesHolding(dump, signer)).toEqual([]);
    expect(tablesHolding(dump, owner.email)).toEqual([]);
    expect(dump.get("outbox")).not.toMatch(/@|\/s\/|\/login\/t\//);
    expect(dump.get("outbox")).not.toContain("Aigerim");

    // The links in the received mails work.
    const confirmed = await post(`/s/confirm/${tokens.confirm}`, "");
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toBe(`/appeals/${appeal.slug}/thanks`);
    const signedIn = await post(`/login/t/${tokens.login}`, "");
    expect([302, 303]).toContain(signedIn.status);
    expect(signedIn.headers.get("set-cookie") ?? "").toMatch(/=/);
    const withdrawPage = await fetch(`${h.url}/s/withdraw/${tokens.withdraw}`);
    expect(withdrawPage.status).toBe(200);
  }, 90_000);

  it("a name with a line break is refused in the signer's language, with what was typed kept, and nothing is sent", async () => {
    const messages = {
      en: "Keep this on one line: remove the line breaks.",
      ru: "Введите в одну строку: уберите переносы строк.",
      kk: "Бір жолға жазыңыз: жол ауыстыруларды алып тастаңыз.",
    };
    for (const [lang, message] of Object.entries(messages)) {
      const email = uniqueEmail(`crlf-${lang}`);
      for (const field of ["name", "city"] as const) {
        const injected = `Aigerim\r\n\r\nYour signature was hijacked, sign in at https://evil.example/${lang}`;
        const body = signForm({ name: field === "name" ? injected : "Aigerim Seitkali", email, extra: field === "city" ? { city: injected } : {} });
        const res = await post(`/appeals/${appeal.slug}?lang=${lang}`, body);
        expect(res.status, `${lang} ${field}`).toBe(400);
        const html = await res.text();
        expect(html, `${lang} ${field}`).toContain(message);
        // What was typed is in the form again (the browser shows it on one line).
        expect(html).toContain(`https://evil.example/${lang}`);
      }
      expect(await getDb().selectFrom("signatures").select("id").where("email", "=", email).execute()).toEqual([]);
      expect(await mailsTo(email)).toEqual([]);
    }
    await new Promise((r) => setTimeout(r, 1_000));
    expect(h.sink.messages.filter((m) => m.text.includes("evil.example"))).toEqual([]);
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { FORM_STAMP_MAX_AGE_S, formStamp } from "../../app/services/abuse.server";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, tokenIn, type Harness } from "./support/harness";

/**
 * Issue 11, item 12: a sign form shown again (with the address typed) is never publicly
 * cacheable; crafted URLs (`?_data=` naming a route that does not match, percent-encoded
 * tokens, encoded slashes) print no token or address into the app's output; a form stamp
 * older than a day is refused with the form shown again, as typed, with a fresh stamp.
 */
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

describe("small leaks", () => {
  let h: Harness;
  let appeal: { id: number; slug: string };

  beforeAll(async () => {
    h = await startHarness({ LOG_REQUESTS: "1" });
    appeal = await publishedAppeal(await newOrganization("Small leaks NGO"));
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${url}`, { method: "POST", headers: { ...FORM, ...headers }, body, redirect: "manual" });

  it("a sign form refused for a field, shown again with the address in it, is private, no-store and never served from the page cache", async () => {
    const email = uniqueEmail("typed");
    // Consent missing: the form comes back with what was typed.
    const body = new URLSearchParams(signForm({ name: "Typed Name", email })).toString().replace("consent=on&", "");
    for (let i = 0; i < 2; i++) {
      const res = await post(`/appeals/${appeal.slug}`, body);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain(email);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(res.headers.get("x-page-cache")).toBeNull();
    }
    // The JavaScript form's answer (?_data=) too.
    const data = await post(`/appeals/${appeal.slug}?_data=routes%2Fappeals.%24slug`, body);
    expect(data.status).toBe(400);
    expect(await data.text()).toContain(email);
    expect(data.headers.get("cache-control")).toBe("private, no-store");
    // A sign-in form refused for its address, shown again.
    const login = await post("/login", "email=not-an-address%40");
    expect(login.status).toBe(400);
    expect(login.headers.get("cache-control")).toBe("private, no-store");
    // The page itself, as anyone sees it, stays publicly cacheable and holds no address.
    const page = await fetch(`${h.url}/appeals/${appeal.slug}`);
    expect(page.headers.get("cache-control")).toMatch(/^public/);
    expect(await page.text()).not.toContain(email);
  });

  it("no token or address reaches the app's output, whatever the URL looks like", async () => {
    const email = uniqueEmail("logged");
    expect((await post(`/appeals/${appeal.slug}`, signForm({ name: "Logged Person", email }))).status).toBe(303);
    const mail = await h.sink.waitFor((m) => m.to.includes(email));
    const confirm = tokenIn(mail.text, "confirm");
    const withdraw = tokenIn(mail.text, "withdraw");
    const enc = (t: string) => [...t].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join("");
    const atEnc = email.replace("@", "%40");
    const crafted: Array<[string, string]> = [
      ["GET", `/s/confirm/${confirm}?_data=routes%2Fs.confirm.%24token`],
      ["GET", `/s/confirm/${confirm}?_data=routes%2F_index`],
      ["GET", `/s/confirm/${confirm}?_data=root`],
      ["GET", `/s/confirm/${confirm}?_data=routes%2Fnope`],
      ["GET", `/s/withdraw/${withdraw}?_data=routes%2Fs.confirm.%24token`],
      ["POST", `/s/withdraw/${withdraw}?_data=routes%2F_index`],
      ["POST", `/s/withdraw/${withdraw}?_data=routes%2Flogin`],
      ["GET", `/?_data=routes%2Fs.confirm.${confirm}`],
      ["GET", `/s/confirm/${enc(confirm)}`],
      ["GET", `/s/confirm/${enc(confirm)}?_data=routes%2F_index`],
      ["GET", `/s%2Fconfirm%2F${confirm}`],
      ["GET", `/s/withdraw/${withdraw.slice(0, 21)}${enc(withdraw.slice(21))}?_data=routes%2Fnope`],
      ["GET", `/appeals/${atEnc}`],
      ["GET", `/appeals/${email}?_data=routes%2Fappeals.%24slug`],
      ["GET", `/s/confirm/${confirm}/${atEnc}`],
      ["POST", `/login/t/${confirm}?_data=routes%2Fs.confirm.%24token`],
    ];
    for (const [method, url] of crafted) {
      const res = await fetch(`${h.url}${url}`, {
        method,
        redirect: "manual",
        headers: method === "POST" ? FORM : {},
        body: method === "POST" ? "" : undefined,
      });
      expect(res.status, url).toBeLessThan(500);
      await res.arrayBuffer();
    }
    // The request log is written as each answer ends: give the last line a moment.
    await new Promise((r) => setTimeout(r, 500));
    const output = h.app.output();
    expect(output).toContain("/s/confirm/[token]");
    for (const secret of [confirm, withdraw, email, atEnc]) {
      expect(output).not.toContain(secret);
      // Not a recognisable piece of it either (a token split by encoding, an address's local part).
      expect(output).not.toContain(secret.slice(0, 20));
    }
  });

  it("a stamp older than a day: the form comes back, as typed, with a fresh stamp and a 'send again' in the signer's language", async () => {
    const email = uniqueEmail("late");
    const old = formStamp(Date.now() - (FORM_STAMP_MAX_AGE_S + 600) * 1000);
    const body = signForm({ name: "Slow Signer", email, extra: { stamp: old, city: "Алматы" } });
    const messages = { en: "was open for a long time", ru: "Форма была открыта слишком долго", kk: "Форма тым ұзақ ашық тұрды" };
    for (const [lang, text] of Object.entries(messages)) {
      const res = await post(`/appeals/${appeal.slug}?lang=${lang}`, body);
      expect(res.status).toBe(400);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      const html = await res.text();
      expect(html).toContain(text);
      expect(html).toContain(email);
      expect(html).toContain("Slow Signer");
      expect(html).toContain("Алматы");
      const stamp = /name="stamp" value="([^"]+)"/.exec(html)?.[1];
      expect(stamp).toBeDefined();
      expect(stamp).not.toBe(old);
      expect(Number(stamp?.split(".")[0])).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(h.sink.messages.some((m) => m.to.includes(email))).toBe(false);
    // Sent again with the fresh stamp the page gave: signed.
    const again = await post(`/appeals/${appeal.slug}`, signForm({ name: "Slow Signer", email, extra: { stamp: formStamp(Date.now() - 10_000) } }));
    expect(again.status).toBe(303);
    await h.sink.waitFor((m) => m.to.includes(email));
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { startHarness, tokenIn, type Harness } from "./support/harness";

/**
 * Issue 11, item 3: /login sends at most a few sign-in mails per address and answers a flood
 * from one client with 429, the same way whether or not the address is an organizer's; the
 * link already sent keeps working, and the page says so in the reader's language. Mails are
 * counted at the SMTP sink the app delivers to.
 */
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const PER_ADDRESS = 3;
const PER_CLIENT = 30;

const SENT = { en: "a sign-in link is on its way", ru: "ссылка для входа уже отправлена", kk: "кіру сілтемесі жіберілді" };
const ALREADY = { en: "We already sent a sign-in link", ru: "Мы уже отправили ссылку для входа", kk: "Біз бұл мекенжайға кіру сілтемесін жаңа ғана жібердік" };
const TOO_MANY = { en: "Too many sign-in requests", ru: "слишком много запросов на вход", kk: "тым көп сұрау келді" };
type Lang = keyof typeof SENT;
const LANGS: Lang[] = ["en", "ru", "kk"];

describe("sign-in mail limits", () => {
  let h: Harness;

  beforeAll(async () => {
    // Refusals at once: 190 of these requests are refused one after another (the hold of a
    // refusal, REFUSAL_HOLD_MS, is tested in request-budget.test.ts).
    h = await startHarness({ LOGIN_LIMIT_PER_IP: String(PER_CLIENT), LOGIN_LIMIT_PER_ADDRESS: String(PER_ADDRESS), REFUSAL_HOLD_MS: "0" });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const login = async (email: string, client: string, lang: Lang = "en") => {
    const res = await fetch(`${h.url}/login?lang=${lang}`, {
      method: "POST",
      headers: { ...FORM, "X-Forwarded-For": client },
      body: `email=${encodeURIComponent(email)}`,
      redirect: "manual",
    });
    return { status: res.status, retryAfter: Number(res.headers.get("retry-after")), cache: res.headers.get("cache-control"), html: await res.text() };
  };
  const mailsTo = (email: string) => h.sink.messages.filter((m) => m.to.includes(email) && m.text.includes("/login/t/"));
  const settle = () => new Promise((r) => setTimeout(r, 2000));

  it("200 requests for one organizer from one client: at most a few mails; 200 then 429 in the reader's language; the link sent still signs in", async () => {
    const org = await newOrganization("Flooded NGO");
    const client = "198.51.100.10";
    const answers = [];
    for (let i = 0; i < 200; i++) {
      const lang = LANGS[i % 3] ?? "en";
      answers.push({ lang, ...(await login(org.email, client, lang)) });
    }
    for (const [i, a] of answers.entries()) {
      if (i < PER_ADDRESS) {
        expect(a.status, `request ${i}`).toBe(200);
        expect(a.html).toContain(SENT[a.lang]);
      } else if (i < PER_CLIENT) {
        // The address has had its mails: no new one, "we already sent you a link".
        expect(a.status, `request ${i}`).toBe(429);
        expect(a.html).toContain(ALREADY[a.lang]);
        expect(a.retryAfter).toBeGreaterThan(0);
      } else {
        // The client has sent too many: try later.
        expect(a.status, `request ${i}`).toBe(429);
        expect(a.html).toContain(TOO_MANY[a.lang]);
        expect(a.retryAfter).toBeGreaterThan(0);
      }
      // The form shown again may hold the address typed: never cacheable.
      expect(a.cache).toBe("private, no-store");
    }
    await h.sink.waitFor((m) => mailsTo(org.email).length >= PER_ADDRESS && m.to.includes(org.email), 30_000);
    await settle();
    expect(mailsTo(org.email)).toHaveLength(PER_ADDRESS);

    // While limited, the link already sent works for its owner (from the same client).
    const token = tokenIn(mailsTo(org.email)[0]?.text ?? "", "login");
    const signedIn = await fetch(`${h.url}/login/t/${token}`, { method: "POST", headers: { "X-Forwarded-For": client }, redirect: "manual" });
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("set-cookie")).toMatch(/^__session=/);
  });

  it("answers an organizer's address and a stranger's alike", async () => {
    const org = await newOrganization("Probed NGO");
    const stranger = uniqueEmail("not-an-organizer");
    const known = [];
    const unknown = [];
    for (let i = 0; i < PER_ADDRESS + 2; i++) {
      const a = await login(org.email, "198.51.100.21");
      const b = await login(stranger, "198.51.100.22");
      known.push([a.status, a.html.includes(SENT.en), a.html.includes(ALREADY.en)]);
      unknown.push([b.status, b.html.includes(SENT.en), b.html.includes(ALREADY.en)]);
    }
    expect(unknown).toEqual(known);
    await settle();
    expect(mailsTo(stranger)).toHaveLength(0);
  });

  it("another address from another client still gets its mail", async () => {
    const flooded = await newOrganization("Flooded again NGO");
    for (let i = 0; i < PER_CLIENT + 5; i++) await login(flooded.email, "198.51.100.30");
    const other = await newOrganization("Quiet NGO");
    const res = await login(other.email, "198.51.100.31", "ru");
    expect(res.status).toBe(200);
    expect(res.html).toContain(SENT.ru);
    await h.sink.waitFor((m) => m.to.includes(other.email) && m.text.includes("/login/t/"), 30_000);
  });
});

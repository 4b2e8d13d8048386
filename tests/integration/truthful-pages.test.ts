import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { publishUpdate } from "../../app/services/updates.server";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, tokenIn, type Harness } from "./support/harness";

/**
 * Pages say only what is true, through the built app as `npm start` serves it: the thanks page
 * confirms a signature only to the browser that confirmed it (fast path and Remix alike), a spent
 * unsubscribe link says so (in the signer's language), a mistyped verification code is answered,
 * and the e-mail field's hint matches what "keep me informed" does.
 */
describe("pages that tell the truth", () => {
  let h: Harness;
  let appeal: { id: number; slug: string };
  let owner: { organizationId: number; userId: number };

  beforeAll(async () => {
    h = await startHarness();
    const org = await newOrganization("Truth Org");
    owner = org;
    appeal = await publishedAppeal(org);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const post = (path: string, body: string) =>
    fetch(`${h.url}${path}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body, redirect: "manual" });
  const page = async (path: string, cookie?: string) => {
    const res = await fetch(`${h.url}${path}`, { headers: cookie ? { Cookie: cookie } : {}, redirect: "manual" });
    return { status: res.status, html: await res.text() };
  };

  /** Signs (in `lang`) and returns the confirmation token from the e-mail. */
  async function sign(lang: string, keepInformed = false): Promise<{ email: string; confirm: string }> {
    const email = uniqueEmail("truth");
    const res = await post(`/appeals/${appeal.slug}?lang=${lang}`, signForm({ name: "Айгерім Сейітқалиева", email, keepInformed }));
    expect(res.status).toBe(303);
    const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
    return { email, confirm: tokenIn(mail.text, "confirm") };
  }

  const cookieOf = (res: Response) => (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const CONFIRMED = "Thank you! Your signature is confirmed.";

  it("the thanks page confirms only to the browser that confirmed, whichever path answered", async () => {
    // Without JavaScript: the server's fast path answers the confirmation.
    const first = await sign("en");
    const fast = await post(`/s/confirm/${first.confirm}`, "");
    expect(fast.status).toBe(303);
    expect(fast.headers.get("location")).toBe(`/appeals/${appeal.slug}/thanks`);
    const fastCookie = cookieOf(fast);
    expect(fastCookie).toMatch(/^confirmed=/);
    expect((await page(`/appeals/${appeal.slug}/thanks?lang=en`, fastCookie)).html).toContain(CONFIRMED);

    // With JavaScript (?_data=): the Remix action answers, the same way.
    const second = await sign("en");
    const remix = await post(`/s/confirm/${second.confirm}?_data=${encodeURIComponent("routes/s.confirm.$token")}`, "");
    expect(remix.headers.get("x-remix-redirect")).toBe(`/appeals/${appeal.slug}/thanks`);
    const remixCookie = cookieOf(remix);
    expect(remixCookie).toMatch(/^confirmed=/);
    expect((await page(`/appeals/${appeal.slug}/thanks?lang=en`, remixCookie)).html).toContain(CONFIRMED);

    // Anyone else — no cookie, a forged one, or one from another appeal — reads a neutral page.
    const other = await publishedAppeal(owner, "Another letter");
    for (const [path, cookie] of [
      [`/appeals/${appeal.slug}/thanks?lang=en`, undefined],
      [`/appeals/${appeal.slug}/thanks?lang=en`, "confirmed=9999999999.AAAAAAAAAAAAAAAAAAAAAA"],
      [`/appeals/${other.slug}/thanks?lang=en`, fastCookie],
    ] as const) {
      const { status, html } = await page(path, cookie);
      expect(status).toBe(200);
      expect(html).not.toContain(CONFIRMED);
      expect(html).toContain("A signature counts once it is confirmed with the link in the e-mail sent after signing.");
    }
    expect((await page(`/appeals/${appeal.slug}/thanks?lang=ru`)).html).toContain("Подпись засчитывается после подтверждения");
  });

  it("a spent unsubscribe link says 'unsubscribed', in the signer's language", async () => {
    const signer = await sign("kk", true);
    expect((await post(`/s/confirm/${signer.confirm}`, "")).status).toBe(303);
    await publishUpdate(appeal.id, owner.userId, { kind: "update", content: { en: { title: "News", body: "We delivered the letter." } } });
    const mail = await h.sink.waitFor((m) => m.to.includes(signer.email) && m.text.includes("/s/unsubscribe/"));
    const link = /https?:\/\/\S+\/s\/unsubscribe\/[A-Za-z0-9_-]{43}\?lang=kk/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    const path = new URL(link ?? "").pathname + new URL(link ?? "").search;

    const before = await page(path);
    expect(before.html).toContain('lang="kk"');
    expect(before.html).toContain("Бұл үндеу туралы жаңалықтарды енді алмау үшін батырманы басыңыз.");
    // Without JavaScript the button posts back to the same URL, language included.
    expect(before.html).toContain(`action="${path.replace(/&/g, "&amp;")}"`);
    expect((await post(path, "")).status).toBe(200);
    const after = await page(path);
    expect(after.html).toContain('lang="kk"');
    expect(after.html).toContain("Дайын");
    expect(after.html).not.toContain("батырманы басыңыз");
    expect(after.html).not.toMatch(/<button[^>]*type="submit"[^>]*>Бас тарту</);
  });

  it("a verification code that cannot be one is answered in the reader's language, and kept in the field", async () => {
    const { status, html } = await page("/verify?code=garbage&lang=ru");
    expect(status).toBe(400);
    expect(html).toContain("Это не код проверки");
    expect(html).toMatch(/<input[^>]*name="code"[^>]*value="garbage"/);
    const en = await page("/verify?code=12345&lang=en");
    expect(en.html).toContain("This is not a valid verification code");
    // An empty form is still just the form.
    expect((await page("/verify?lang=en")).html).not.toContain("not a valid verification code");
  });

  it("the e-mail field's hint says who receives the address", async () => {
    const expected = {
      en: "It is never shown publicly; the organizers receive it only if you tick “Keep me informed”.",
      ru: "Он никогда не показывается публично; организаторы получат его, только если вы отметите «Сообщать мне новости».",
      kk: "Ол ешқашан жария көрсетілмейді; ұйымдастырушылар оны сіз «Жаңалықтарды хабарлау» белгісін қойсаңыз ғана алады.",
    };
    for (const [lang, text] of Object.entries(expected)) {
      const { html } = await page(`/appeals/${appeal.slug}?lang=${lang}`);
      expect(html, lang).toContain(text);
      expect(html).not.toMatch(/handed over|никому не передаётся|ешкімге берілмейді/);
    }
  });

  it("the privacy notice says the same: never public, to the organizers only with “Keep me informed”", async () => {
    const expected = {
      en: "the organizers receive it (in their export of signatories) only if you ticked “Keep me informed”",
      ru: "организаторы получают его (в выгрузке подписавших), только если вы отметили «Сообщать мне новости»",
      kk: "ұйымдастырушылар оны (қол қойғандар тізімінің экспортында) тек сіз «Жаңалықтарды хабарлау» белгісін қойсаңыз",
    };
    for (const [lang, text] of Object.entries(expected)) {
      const { html } = await page(`/privacy?lang=${lang}`);
      expect(html, lang).toContain(text);
      expect(html, lang).not.toMatch(/or handed over|и не передаётся;|және берілмейді;/);
    }
  });
});

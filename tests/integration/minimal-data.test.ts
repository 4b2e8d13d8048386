import { promises as fs } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { emailsMinimal } from "../../app/i18n/messages/emails-minimal.server";
import { minimal } from "../../app/i18n/messages/minimal";
import { addAddressee, closeAppeal, publish, saveVersion } from "../../app/services/appeals.server";
import { applyRetention } from "../../app/services/retention.server";
import { publishUpdate } from "../../app/services/updates.server";
import { getDb } from "../../db/client";
import { newOrganization, sessionCookie, uniqueEmail } from "../fixtures/organizers";
import type { ReceivedMail } from "../setup/smtp-sink";
import { signForm, startHarness, tokenIn, unique, type Harness } from "./support/harness";
import { requireJava, validate } from "./support/vnu";

/**
 * The minimal-data preset (issue 14 point 2), through the built app: the create form offers it
 * with its explanation; signing and confirming on such an appeal stores no IP hash and erases the
 * address at confirmation unless the signer asked to be kept informed; every e-mail to its signers
 * (confirmation, "already signed", receipt, update) has a neutral subject and sender name in
 * en/ru/kk; its remaining addresses go as soon as it is closed. A standard appeal of the same
 * organization, signed the same way, keeps what it always kept (so the checks are not vacuous).
 */
const LANGS = ["en", "ru", "kk"] as const;
type Lang = (typeof LANGS)[number];
const ORG = "Zhanaozen Solidarity Committee";
// MAIL_FROM names the organization: the neutral sender must replace that name, not just differ from "Appeals".
const MAIL_FROM = `${ORG} <no-reply@appeals.localhost>`;
const TITLES: Record<Lang, string> = {
  en: "Free the prisoners of Zhanaozen",
  ru: "Освободите узников Жанаозена",
  kk: "Жаңаөзен тұтқындарын босатыңыз",
};

const decodeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The From display name as a mail client shows it. */
const senderName = (mail: ReceivedMail) => mail.from.replace(/\s*<[^>]*>\s*$/, "").replace(/^"|"$/g, "");

/** Nothing of the appeal or the organization in what a mailbox lists: subject and sender. */
function expectNeutral(mail: ReceivedMail, lang: Lang, kind: "confirm" | "already" | "receipt" | "update") {
  expect(mail.subject).toBe(emailsMinimal[lang][`email.neutral.subject.${kind}`]);
  expect(senderName(mail)).toBe(emailsMinimal[lang]["email.neutral.sender"]);
  expect(mail.from).toContain("no-reply@appeals.localhost");
  for (const said of [...Object.values(TITLES), ORG, "Zhanaozen", "Жанаозен", "Жаңаөзен"]) {
    expect(mail.subject).not.toContain(said);
    expect(mail.from).not.toContain(said);
  }
  // The mail's own <title> (what some clients show as its name) is the neutral subject too.
  expect(mail.html).toContain(`<title>${mail.subject}</title>`);
}

describe("the minimal-data preset", () => {
  let h: Harness;
  let owner: { organizationId: number; userId: number };
  let cookie = "";
  let minimalId = 0;
  let minimalSlug = "";
  let standard = { id: 0, slug: "" };
  const signers: Array<{ lang: Lang; email: string; keep: boolean }> = [];
  /** The pages this preset adds words to, as served, for the Nu Html Checker at the end. */
  const served: Array<{ name: string; html: string }> = [];
  async function page(name: string, url: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${h.url}${url}`, { headers });
    expect(res.status).toBe(200);
    const html = await res.text();
    served.push({ name, html });
    return decodeHtml(html);
  }

  async function post(path: string, body: URLSearchParams | string, extra: Record<string, string> = {}) {
    return fetch(`${h.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, ...extra },
      body: body.toString(),
      redirect: "manual",
    });
  }

  /** Versions in en/ru/kk, an addressee, published: an appeal people can sign in three languages. */
  async function complete(id: number) {
    for (const lang of LANGS) await saveVersion(id, owner.userId, lang, { title: TITLES[lang], summary: "", body: `${TITLES[lang]}.` });
    await addAddressee(id, owner.userId, null, {
      en: { name: "The Prosecutor General", position: "", institution: "" },
      ru: { name: "Генеральный прокурор", position: "", institution: "" },
      kk: { name: "Бас прокурор", position: "", institution: "" },
    });
    await publish(id, owner.userId, {});
  }

  /** Creates an appeal through the dashboard's form, as an organizer's browser sends it. */
  async function createThroughForm(minimalData: boolean) {
    const slug = unique("minimal");
    const res = await post(
      "/dashboard?index",
      new URLSearchParams({
        organizationId: String(owner.organizationId),
        title: TITLES.en,
        slug,
        originalLanguage: "en",
        ...(minimalData ? { minimalData: "on" } : {}),
      }),
    );
    expect(res.status).toBe(302);
    const id = Number(/\/dashboard\/appeals\/(\d+)$/.exec(res.headers.get("location") ?? "")?.[1]);
    expect(id).toBeGreaterThan(0);
    return { id, slug };
  }

  async function signatureOf(appealId: number, email: string) {
    return getDb()
      .selectFrom("signatures")
      .select(["status", "email", "email_key", "ip_hash", "keep_informed", "name"])
      .where("appeal_id", "=", appealId)
      .where("email_key", "is not", null)
      .where("name", "=", `Signer ${email.split("@")[0]}`)
      .executeTakeFirstOrThrow();
  }

  async function sign(slug: string, lang: Lang, email: string, keep: boolean) {
    const res = await post(`/appeals/${slug}?lang=${lang}`, signForm({ name: `Signer ${email.split("@")[0]}`, email, keepInformed: keep }));
    expect(res.status).toBe(303);
  }

  const mailTo = (email: string, test: (m: ReceivedMail) => boolean) => h.sink.waitFor((m) => m.to.includes(email) && test(m));

  beforeAll(async () => {
    h = await startHarness({ MAIL_FROM });
    owner = await newOrganization(ORG);
    cookie = await sessionCookie(owner.userId);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it("the create form offers it with its plain-words explanation, in en/ru/kk, and creating with it ticked keeps it", async () => {
    for (const lang of LANGS) {
      const html = await page(`dashboard-${lang}`, `/dashboard?lang=${lang}`, { Cookie: cookie });
      expect(html).toMatch(/<input type="checkbox" id="f-minimalData" name="minimalData" aria-describedby="f-minimalData-hint"/);
      expect(html).toContain(minimal[lang]["minimal.label"]);
      expect(html).toContain(`<p id="f-minimalData-hint" class="hint">${minimal[lang]["minimal.explain"]}</p>`);
    }
    const created = await createThroughForm(true);
    minimalId = created.id;
    minimalSlug = created.slug;
    standard = await createThroughForm(false);
    const rows = await getDb().selectFrom("appeals").select(["id", "minimal_data"]).where("id", "in", [minimalId, standard.id]).orderBy("id").execute();
    expect(rows).toEqual([
      { id: minimalId, minimal_data: true },
      { id: standard.id, minimal_data: false },
    ]);
    await complete(minimalId);
    await complete(standard.id);

    // Published, it stays on: the settings page says so, and a form without the box leaves it on.
    const settings = await page("settings-locked", `/dashboard/appeals/${minimalId}/settings?lang=ru`, { Cookie: cookie });
    expect(settings).toContain(minimal.ru["minimal.locked"]);
    expect(settings).not.toContain('name="minimalData"');
    const saved = await post(
      `/dashboard/appeals/${minimalId}/settings`,
      new URLSearchParams({ goal: "", closesAt: "", field_city: "optional", field_country: "optional", field_organization: "off", field_position: "off" }),
    );
    expect(saved.status).toBe(200);
    const after = await getDb().selectFrom("appeals").select("minimal_data").where("id", "=", minimalId).executeTakeFirstOrThrow();
    expect(after.minimal_data).toBe(true);
    // The standard appeal's settings still offer it, with what turning it on now would erase.
    const offered = await page("settings-offered", `/dashboard/appeals/${standard.id}/settings?lang=kk`, { Cookie: cookie });
    expect(offered).toContain('name="minimalData"');
    expect(offered).toContain(minimal.kk["minimal.laterOn"]);
    // Signers are told on the appeal's page.
    const appealPage = await page("appeal", `/appeals/${minimalSlug}?lang=kk`);
    expect(appealPage).toContain(minimal.kk["minimal.signer"]);
    expect(await (await fetch(`${h.url}/appeals/${standard.slug}?lang=kk`)).text()).not.toContain('data-testid="minimal-data"');
  }, 90_000);

  it("signing and confirming: no IP hash, the address erased at confirmation unless kept informed, neutral mails in en/ru/kk", async () => {
    expect(minimalId).toBeGreaterThan(0);
    for (const lang of LANGS) {
      for (const keep of [false, true]) {
        const email = uniqueEmail(`min-${lang}-${keep ? "keep" : "once"}`);
        signers.push({ lang, email, keep });
        await sign(minimalSlug, lang, email, keep);
        const pending = await signatureOf(minimalId, email);
        expect(pending.status).toBe("pending");
        expect(pending.ip_hash).toBeNull();
        expect(pending.email).not.toBeNull();

        const mail = await mailTo(email, (m) => m.text.includes("/s/confirm/"));
        expectNeutral(mail, lang, "confirm");
        const confirmed = await post(`/s/confirm/${tokenIn(mail.text, "confirm")}`, "");
        expect(confirmed.status).toBe(303);

        const row = await signatureOf(minimalId, email);
        expect(row.status).toBe("confirmed");
        expect(row.ip_hash).toBeNull();
        expect(row.keep_informed).toBe(keep);
        // Erased unless the signer asked for news; the keyed look-up hash stays, for duplicates.
        if (keep) expect(row.email).not.toBeNull();
        else expect(row.email).toBeNull();
        expect(row.email_key).not.toBeNull();

        // Signing again with the same address: no second signature, an "already signed" mail, neutral too.
        await sign(minimalSlug, lang, email, keep);
        const again = await mailTo(email, (m) => m.text.includes("/s/withdraw/") && !m.text.includes("/s/confirm/"));
        expectNeutral(again, lang, "already");
        const count = await getDb()
          .selectFrom("signatures")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("appeal_id", "=", minimalId)
          .where("name", "=", `Signer ${email.split("@")[0]}`)
          .executeTakeFirstOrThrow();
        expect(Number(count.n)).toBe(1);
      }
    }

    // The standard appeal, signed the same way, keeps an IP hash and the address, and names itself.
    const email = uniqueEmail("standard");
    await sign(standard.slug, "en", email, false);
    const mail = await mailTo(email, (m) => m.text.includes("/s/confirm/"));
    expect(mail.subject).toContain(TITLES.en);
    expect(senderName(mail)).toBe(ORG);
    expect((await post(`/s/confirm/${tokenIn(mail.text, "confirm")}`, "")).status).toBe(303);
    const row = await signatureOf(standard.id, email);
    expect(row.status).toBe("confirmed");
    expect(row.ip_hash).not.toBeNull();
    expect(row.email).not.toBeNull();
  }, 120_000);

  it("a receipt e-mailed to a signer kept informed, and an update, have the neutral subject and sender", async () => {
    // A receipt: only the confirming browser asks for it (its thanks cookie).
    const email = uniqueEmail("min-receipt");
    await sign(minimalSlug, "ru", email, true);
    const mail = await mailTo(email, (m) => m.text.includes("/s/confirm/"));
    const confirmed = await post(`/s/confirm/${tokenIn(mail.text, "confirm")}`, "");
    const thanks = (confirmed.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const offer = await (await fetch(`${h.url}/appeals/${minimalSlug}/thanks?lang=ru`, { headers: { Cookie: thanks } })).text();
    expect(offer).toContain('name="email"');
    const taken = await fetch(`${h.url}/appeals/${minimalSlug}/thanks?lang=ru`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: thanks },
      body: new URLSearchParams({ _intent: "receipt", email: "on" }).toString(),
    });
    expect(taken.status).toBe(200);
    expectNeutral(await mailTo(email, (m) => m.text.includes("appeals-receipt:")), "ru", "receipt");
    signers.push({ lang: "ru", email, keep: true });

    // A signer who did not ask for news has no address left: the page says so instead of offering to mail it.
    const once = uniqueEmail("min-receipt-once");
    await sign(minimalSlug, "kk", once, false);
    const onceMail = await mailTo(once, (m) => m.text.includes("/s/confirm/"));
    const onceConfirmed = await post(`/s/confirm/${tokenIn(onceMail.text, "confirm")}`, "");
    const onceThanks = (onceConfirmed.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const thanksPage = await page("thanks-no-address", `/appeals/${minimalSlug}/thanks?lang=kk`, { Cookie: onceThanks });
    expect(thanksPage).toContain(minimal.kk["minimal.noAddress"]);
    expect(thanksPage).not.toContain('name="email"');
    signers.push({ lang: "kk", email: once, keep: false });

    // An update reaches exactly the signers kept informed, each in their language, neutral.
    const n = await publishUpdate(minimalId, owner.userId, {
      kind: "update",
      content: { en: { title: "The trial is set", body: "Hearing on Monday." }, ru: { title: "Суд назначен", body: "Заседание в понедельник." } },
    });
    const kept = signers.filter((s) => s.keep);
    expect(n).toBe(kept.length);
    for (const s of kept) expectNeutral(await mailTo(s.email, (m) => m.text.includes("/s/unsubscribe/")), s.lang, "update");
  }, 90_000);

  it("retention: closing the appeal erases the remaining addresses at once, not RETENTION_DAYS later", async () => {
    await closeAppeal(minimalId, owner.userId);
    await closeAppeal(standard.id, owner.userId);
    const rowsOf = (appealId: number) =>
      getDb().selectFrom("signatures").select(["email", "email_key", "ip_hash", "status"]).where("appeal_id", "=", appealId).execute();
    // What the app's scheduler runs every minute for minimal-data appeals (it may have run it just now itself).
    await applyRetention({ dryRun: false, minimalOnly: true });
    const minimalRows = await rowsOf(minimalId);
    expect(minimalRows.length).toBe(signers.length);
    expect(minimalRows.every((r) => r.email === null && r.email_key === null && r.ip_hash === null && r.status === "confirmed")).toBe(true);
    // Done: the every-minute run no longer looks at it.
    expect((await applyRetention({ dryRun: false, minimalOnly: true })).appeals).toEqual([]);
    const done = await getDb().selectFrom("appeals").select("retention_done_at").where("id", "=", minimalId).executeTakeFirstOrThrow();
    expect(done.retention_done_at).not.toBeNull();
    // The full run (RETENTION_DAYS = 90): the standard appeal, closed at the same moment, keeps its signer's address.
    await applyRetention({ dryRun: false });
    expect((await rowsOf(standard.id)).filter((r) => r.email !== null)).toHaveLength(1);
  }, 60_000);

  it("the privacy notice says what each setting keeps, for how long, and where the threat model is, in en/ru/kk", async () => {
    const heading: Record<Lang, string[]> = {
      en: ["How long we keep it", "Appeals with minimal data", "What this protects against"],
      ru: ["Сроки хранения", "Обращения с минимумом данных", "От чего это защищает"],
      kk: ["Сақтау мерзімі", "Ең аз деректі үндеулер", "Бұл неден қорғайды"],
    };
    for (const lang of LANGS) {
      const html = await page(`privacy-${lang}`, `/privacy?lang=${lang}`);
      for (const h2 of heading[lang]) expect(html).toContain(`<h2>${h2}</h2>`);
      expect(html).toContain("90"); // RETENTION_DAYS for standard appeals
      expect(html).toContain("docs/threat-model.md");
    }
  });

  it("the pages it adds words to validate (Nu Html Checker)", async () => {
    requireJava();
    expect(served.length).toBeGreaterThanOrEqual(9);
    const dir = await fs.mkdtemp(path.join(h.dataDir, "vnu-"));
    const files = await Promise.all(
      served.map(async (p) => {
        const file = path.join(dir, `${p.name}.html`);
        await fs.writeFile(file, p.html);
        return file;
      }),
    );
    const messages = await validate(files);
    expect(messages.map((m) => `${path.basename(m.url)}: ${m.message}`)).toEqual([]);
  }, 120_000);
});

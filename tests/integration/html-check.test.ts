import { sql } from "kysely";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { encodeLeaf, leafFieldsOf } from "../../app/ledger/leaf";
import { encodeReceipt } from "../../app/ledger/receipt";
import { publish, saveVersion } from "../../app/services/appeals.server";
import { addAttachment } from "../../app/services/attachments.server";
import { DEMO_ORGANIZER, DEMO_SLUG, seedDemo } from "../../app/services/demo-data.server";
import { publishUpdate } from "../../app/services/updates.server";
import { recordResponse } from "../../app/services/responses.server";
import { getDb } from "../../db/client";
import { findUserByEmail } from "../../db/queries/organizations";
import { addSigners, fixtureNames, publishedAppeal, TEXTS } from "../fixtures/campaign";
import { WORLD_NAMES } from "../fixtures/world-names";
import { sessionCookie } from "../fixtures/organizers";
import { requireJava, validate } from "./support/vnu";
import { PDF, seedWorld, signForm, startHarness, tokenIn, unique, type Harness, type World } from "./support/harness";

/**
 * Every page, as the built app serves it, in en, ru and kk, validated by the W3C Nu Html Checker
 * (the vnu-jar package; it needs Java: Debian's default-jre-headless, which .ci/run installs):
 * 0 errors. The data holds a signature for every script of tests/fixtures/names.json and
 * tests/fixtures/world-names.ts (right-to-left names in <bdi>, issue 15). Every
 * response is also held to: no NUL byte, no U+FFFD (none is in the data).
 */
const LANGS = ["en", "ru", "kk"] as const;

interface Page {
  url: string;
  lang: string;
  status: number;
  file: string;
}

describe("HTML check (Nu Html Checker), every page in en, ru and kk", () => {
  let h: Harness;
  let dir = "";
  let world: World;
  const pages: Page[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    requireJava();
    h = await startHarness({ ORG_REGISTRATION: "open" });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-html-"));
    world = await seedWorld(h);
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** Fetches a page in a language (the lang cookie), keeps it for vnu, checks its bytes. */
  const page = async (url: string, status: number | number[], cookie = "", langs: readonly string[] = LANGS, form?: string) => {
    for (const lang of langs) {
      const res = await fetch(`${h.url}${url}`, {
        method: form === undefined ? "GET" : "POST",
        headers: {
          Cookie: [`lang=${lang}`, cookie].filter(Boolean).join("; "),
          ...(form === undefined ? {} : { "Content-Type": "application/x-www-form-urlencoded" }),
        },
        body: form,
        redirect: "manual",
      });
      const body = Buffer.from(await res.arrayBuffer());
      const where = `${form === undefined ? "" : "POST "}${url} (${lang})`;
      if (![status].flat().includes(res.status)) problems.push(`${where}: status ${res.status}, expected ${status}`);
      if (!(res.headers.get("content-type") ?? "").startsWith("text/html")) problems.push(`${where}: not HTML (${res.headers.get("content-type")})`);
      if (body.includes(0)) problems.push(`${where}: a NUL byte at ${body.indexOf(0)}`);
      if (body.includes(Buffer.from("\uFFFD"))) problems.push(`${where}: U+FFFD at ${body.indexOf(Buffer.from("\uFFFD"))}`);
      const file = path.join(dir, `${String(pages.length).padStart(3, "0")}.html`);
      await fs.writeFile(file, body);
      pages.push({ url: `${form === undefined ? "" : "POST "}${url}`, lang, status: res.status, file });
    }
  };

  it("every page validates with 0 errors and holds no NUL byte and no U+FFFD", async () => {
    const { owner, otherEditor, published, draft, signer, letter } = world;

    // A campaign in ru (original), en, kk and ar, signed by every name of names.json and world-names.ts, with an update.
    // An Arabic version too (issue 15): written right to left, inside a page that stays left to right.
    const campaign = await publishedAppeal({ organization: "Коалиция «Гражданские свободы» — Қазақстан", langs: ["ru", "en", "kk", "ar"] });
    const names = [...fixtureNames(), ...WORLD_NAMES.map((n) => ({ name: n.name.normalize("NFC"), city: n.city, country: n.country }))];
    await addSigners(
      campaign.id,
      names.map((n, i) => ({
        name: n.name,
        city: n.city,
        country: n.country.length === 2 && n.country !== "XX" ? n.country : null,
        organization: `${n.city} — ${n.name.split(" ")[0]}`,
        disclosure: i % 5 === 4 ? "initials" : "public",
        lang: LANGS[i % 3],
      })),
    );
    await getDb().updateTable("appeals").set({ field_organization: "optional", field_position: "optional", goal: 100 }).where("id", "=", campaign.id).execute();
    await publishUpdate(campaign.id, campaign.owner.userId, {
      kind: "update",
      content: {
        ru: { title: "Письмо отправлено", body: "Спасибо всем, кто подписал." },
        kk: { title: "Хат жіберілді", body: "Қол қойғандардың бәріне рахмет." },
        en: { title: "The letter is sent", body: "Thank you all." },
      },
    });
    await addAttachment(campaign.id, campaign.owner.userId, { lang: "ru", filename: "доклад-2026.pdf", data: PDF });
    // An addressee's response with the institution's letter (issue 17 item 8), recorded the next day.
    await getDb()
      .updateTable("updates")
      .set({ created_at: sql`created_at - interval '25 hours'` })
      .where("appeal_id", "=", campaign.id)
      .execute();
    const addressee = await getDb().selectFrom("addressees").select("id").where("appeal_id", "=", campaign.id).executeTakeFirstOrThrow();
    await recordResponse(campaign.id, campaign.owner.userId, {
      addresseeId: addressee.id,
      receivedOn: "2026-12-01",
      content: { ru: "Европейский парламент получил обращение.\n\nОтвет будет дан после заседания комитета." },
      file: { filename: "ответ парламента.pdf", data: PDF },
    });
    const campaignCookie = await sessionCookie(campaign.owner.userId);
    // Revision 2 (issue 17 item 5): the Russian original and the Arabic version corrected, English
    // and Kazakh confirmed as they were; then the original changes again, so the dashboard shows
    // stale translations (the text tabs' notice with its diff, the publish form's confirmation).
    await saveVersion(campaign.id, campaign.owner.userId, "ru", { ...TEXTS.ru, body: `${TEXTS.ru.body}\n\nИ прекратить преследование.` });
    await saveVersion(campaign.id, campaign.owner.userId, "ar", { ...TEXTS.ar, body: `${TEXTS.ar.body}\n\nونطالب بالشفافية.` });
    await publish(campaign.id, campaign.owner.userId, { changeNote: "Добавлено требование", confirmStale: ["en", "kk"] });
    await saveVersion(campaign.id, campaign.owner.userId, "ru", { ...TEXTS.ru, title: `${TEXTS.ru.title}!` });

    // The demo appeal (long ru/kk/en texts, two addressees).
    await seedDemo();
    const demo = await getDb().selectFrom("appeals").select("id").where("slug", "=", DEMO_SLUG).executeTakeFirstOrThrow();
    const organizer = (await findUserByEmail(getDb(), DEMO_ORGANIZER))!;
    const demoCookie = await sessionCookie(organizer.id);

    // A receipt of the world's signer (withdrawn further down), for /verify's "included" answer.
    const held = await getDb()
      .selectFrom("signatures")
      .select(["name", "city", "country", "organization", "position", "revision", "confirmed_at", "ledger_index", "ledger_salt"])
      .where("appeal_id", "=", published.id)
      .where("status", "=", "confirmed")
      .orderBy("ledger_index")
      .executeTakeFirstOrThrow();
    const heldReceipt = encodeReceipt({
      slug: published.slug,
      index: held.ledger_index ?? 0,
      leaf: encodeLeaf(leafFieldsOf({ ...held, confirmedAt: new Date(held.confirmed_at ?? 0) }), new Uint8Array(held.ledger_salt ?? Buffer.alloc(32))),
    });
    // Public pages.
    await page("/", 200);
    for (const slug of [published.slug, campaign.slug, DEMO_SLUG]) {
      await page(`/appeals/${slug}`, 200);
      await page(`/appeals/${slug}/thanks`, 200);
      await page(`/appeals/${slug}/sent`, 200);
      // The embeddable counter (issue 17): a page of its own, framed on partners' sites.
      await page(`/appeals/${slug}/embed`, 200);
    }
    await page(`/appeals/${campaign.slug}/embed?lang=ar`, 200);
    // Earlier revisions and their word diffs (issue 17 item 5), right to left too.
    await page(`/appeals/${campaign.slug}/revisions`, 200);
    for (const n of [1, 2]) await page(`/appeals/${campaign.slug}/revisions/${n}`, 200);
    await page(`/appeals/${campaign.slug}/revisions/2?lang=ar`, 200);
    await page(`/appeals/${campaign.slug}/revisions/2?lang=en`, 200);
    await page(`/appeals/${campaign.slug}/revisions/3`, 404, "", ["en"]);
    // The Arabic version: its title, summary and body in dir="rtl" lang="ar"; the page itself in the interface's language.
    await page(`/appeals/${campaign.slug}?lang=ar`, 200);
    const arabic = await fs.readFile(pages[pages.length - 1]!.file, "utf8");
    expect(arabic).toMatch(/<html lang="kk"(?![^>]*dir=)/);
    expect(/<h1[^>]*>[^<]*<\/h1>/.exec(arabic)?.[0]).toBe('<h1 lang="ar" dir="rtl">رسالة مفتوحة بشأن الحريات المدنية</h1>');
    expect(arabic).toContain('<p class="lead" lang="ar" dir="rtl">');
    expect(arabic).toMatch(/<div class="appeal-body" lang="ar" dir="rtl"><p>نحن الموقعين/);
    await page("/login", 200);
    // Self-registration (ORG_REGISTRATION=open in this file): the form, its answer, its link's page before and after use.
    await page("/register", 200);
    await page(
      "/register",
      200,
      "",
      LANGS,
      new URLSearchParams({ name: "Таза ауа", email: `${unique("html-register")}@example.org`, description: "" }).toString(),
    );
    const founder = `${unique("html-founder")}@example.org`;
    await fetch(`${h.url}/register`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ name: "Өзен қорғаушылары", email: founder, description: "Ертіс өзені үшін." }).toString(),
    });
    const registerToken = /\/register\/t\/([A-Za-z0-9_-]{43})/.exec(
      (await h.sink.waitFor((m) => m.to.includes(founder) && m.text.includes("/register/t/"))).text,
    )?.[1];
    await page(`/register/t/${registerToken}`, 200);
    expect((await fetch(`${h.url}/register/t/${registerToken}`, { method: "POST", redirect: "manual" })).status).toBe(302);
    await page(`/register/t/${registerToken}`, [200, 410]);
    await page("/register", 400, "", LANGS, "name=&email=not-an-address&description=");
    await page("/my-data", 200);
    await page("/privacy", 200);
    await page("/verify", 200);
    await page(`/verify/${letter.code}`, 200);

    // Token pages, valid: a new signature through the app gives fresh confirm and reject links.
    const email = `${unique("html-signer")}@example.org`;
    const signed = await fetch(`${h.url}/appeals/${campaign.slug}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: signForm({ name: "Ғалым Өтегенұлы", email, extra: { city: "Өскемен", country: "KZ" } }),
      redirect: "manual",
    });
    expect(signed.status).toBe(303);
    const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
    const fresh = { confirm: tokenIn(mail.text, "confirm"), reject: tokenIn(mail.text, "reject") };
    await page(`/s/confirm/${fresh.confirm}`, 200);
    await page(`/s/reject/${fresh.reject}`, 200);
    await page(`/s/withdraw/${signer.withdraw}`, 200);
    await page(`/s/unsubscribe/${signer.unsubscribe}`, 200);
    await page(`/login/t/${world.loginToken}`, 200);

    // Spent: each link used once, then opened again (a page saying so: 200, or 410 Gone).
    const post = async (url: string) => expect((await fetch(`${h.url}${url}`, { method: "POST", redirect: "manual" })).status, url).toBeLessThan(400);
    await page(`/s/unsubscribe/${signer.unsubscribe}`, 200, "", LANGS, ""); // the answer, in each language: repeating it is harmless
    await post(`/s/confirm/${fresh.confirm}`);
    await post(`/s/withdraw/${signer.withdraw}`);
    await post(`/login/t/${world.loginToken}`);
    await page(`/s/confirm/${signer.confirm}`, [200, 410]);
    await page(`/s/confirm/${fresh.confirm}`, [200, 410]);
    await page(`/s/reject/${fresh.reject}`, [200, 410]);
    await page(`/s/withdraw/${signer.withdraw}`, [200, 410]);
    await page(`/s/unsubscribe/${signer.unsubscribe}`, [200, 410]);
    await page(`/login/t/${world.loginToken}`, [200, 410]);

    // Forms answered with their errors.
    await page(`/appeals/${campaign.slug}`, 400, "", LANGS, signForm({ name: "", email: "not-an-address" }));
    await page("/login", 400, "", LANGS, "email=not-an-address");
    await page(
      `/dashboard/appeals/${draft.id}/text/en`,
      400,
      owner.cookie,
      LANGS,
      new URLSearchParams({ title: "Ә".repeat(301), summary: "Қысқаша", body: "Мәтін" }).toString(),
    );

    // Signer receipts: the thanks page offering one and showing it (each confirmation's receipt token is single-use,
    // so one signature per language), and /verify's receipt answers (included with its proof; refused).
    for (const lang of LANGS) {
      const receiptEmail = `${unique("html-receipt")}@example.org`;
      const signedForReceipt = await fetch(`${h.url}/appeals/${campaign.slug}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: signForm({ name: "Әлия Receipt", email: receiptEmail }),
        redirect: "manual",
      });
      expect(signedForReceipt.status).toBe(303);
      const receiptMail = await h.sink.waitFor((m) => m.to.includes(receiptEmail) && m.text.includes("/s/confirm/"));
      const confirmedForReceipt = await fetch(`${h.url}/s/confirm/${tokenIn(receiptMail.text, "confirm")}`, { method: "POST", redirect: "manual" });
      const thanksCookie = (confirmedForReceipt.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      await page(`/appeals/${campaign.slug}/thanks`, 200, thanksCookie, [lang]);
      await page(`/appeals/${campaign.slug}/thanks`, 200, thanksCookie, [lang], "_intent=receipt&email=on");
    }
    await page(`/verify/${letter.code}`, 200, "", LANGS, new URLSearchParams({ _intent: "receipt", receipt: heldReceipt }).toString());
    await page(`/verify/${letter.code}`, 400, "", LANGS, new URLSearchParams({ _intent: "receipt", receipt: "appeals-receipt:1:<b>" }).toString());

    // Error pages.
    await page("/no-such-page", 404);
    await page("/appeals/no-such-appeal", 404);
    await page("/appeals/no-such-appeal/thanks", 404);
    await page("/verify/NOSUCHCODE", 404);
    await page("/dashboard/appeals/999999", 404, owner.cookie);
    await page("/dashboard/orgs/999999", 403, owner.cookie);
    await page("/?lang=xx", 400, "", ["en"]);
    // Answered by server/client-error.ts before any route: an address past Node's 16 KiB header limit.
    await page(`/verify/${"x".repeat(20_000)}`, 431, "", ["en"]);
    await page(`/dashboard/appeals/${published.id}`, 403, otherEditor.cookie);

    // The dashboard: the list, the organization, every tab of a published appeal, a draft, the demo.
    await page("/dashboard", 200, campaignCookie);
    await page(`/dashboard/orgs/${owner.organizationId}`, 200, owner.cookie);
    await page(`/dashboard/orgs/${campaign.owner.organizationId}`, 200, campaignCookie);
    const tabs = [
      "",
      "/text/ru",
      "/text/en",
      "/text/kk",
      "/text/ar",
      "/addressees",
      "/attachments",
      "/settings",
      "/preview",
      "/signatures",
      "/paper",
      "/updates",
      "/responses",
      "/letters",
    ];
    for (const tab of tabs) await page(`/dashboard/appeals/${campaign.id}${tab}`, 200, campaignCookie);
    // The signatures tab's search (issue 17 item 4): by part of a city (GET, ?q=), and by address (POST, answered in place).
    await page(`/dashboard/appeals/${campaign.id}/signatures?q=${encodeURIComponent(names[0]!.city.slice(0, 3))}`, 200, campaignCookie);
    await page(`/dashboard/appeals/${campaign.id}/signatures?q=zzzz-no-such-name`, 200, campaignCookie);
    await page(`/dashboard/appeals/${campaign.id}/signatures`, 200, campaignCookie, LANGS, "_intent=search&q=someone%40example.org");
    // Publishing with stale translations and without the confirmation: refused, in place.
    await page(
      `/dashboard/appeals/${campaign.id}?index`,
      409,
      campaignCookie,
      LANGS,
      "_intent=publish&baseRevision=2&changeNote=%D0%A3%D1%82%D0%BE%D1%87%D0%BD%D0%B5%D0%BD%D0%BE",
    );
    const editor = await fs.readFile(pages.find((p) => p.url.endsWith(`${campaign.id}/text/ar`))!.file, "utf8");
    for (const name of ["title", "summary", "body"]) expect(editor, name).toMatch(new RegExp(`<(input|textarea) [^>]*name="${name}"[^>]*lang="ar" dir="rtl"`));
    for (const tab of ["", "/letters", "/signatures"]) await page(`/dashboard/appeals/${published.id}${tab}`, 200, owner.cookie);
    for (const tab of ["", "/text/en", "/addressees", "/attachments", "/settings", "/preview"])
      await page(`/dashboard/appeals/${draft.id}${tab}`, 200, owner.cookie);
    for (const tab of ["", "/text/ru", "/text/kk", "/addressees", "/preview"]) await page(`/dashboard/appeals/${demo.id}${tab}`, 200, demoCookie);

    const messages = await validate(pages.map((p) => p.file));
    const byFile = new Map(pages.map((p) => [path.basename(p.file), p]));
    for (const m of messages) {
      const p = byFile.get(path.basename(m.url.replace(/^file:/, "")));
      problems.push(
        `${p ? `${p.url} (${p.lang})` : m.url}: line ${m.lastLine ?? "?"}: ${m.message}${m.extract ? `\n    ${m.extract.replace(/\n/g, "↵")}` : ""}`,
      );
    }
    expect(problems, `${problems.length} problem(s) in ${pages.length} pages:\n${problems.join("\n")}`).toEqual([]);
    expect(pages.length).toBeGreaterThan(150);
  }, 300_000);
});

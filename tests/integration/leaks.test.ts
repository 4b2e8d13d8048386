import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { getDb } from "../../db/client";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, tokenIn, type Harness } from "./support/harness";

/**
 * No e-mail address and no token anywhere it could be seen or kept: a whole campaign is run
 * through the app (organizer signs in by e-mail link, people sign and confirm, one rejects, the
 * organizer generates a letter and downloads it), with the request log on; then every public
 * page, the API, every PDF (as text) and the app's whole output are searched for the addresses
 * and tokens used.
 */
const pdfText = (pdf: Buffer) => execFileSync("pdftotext", ["-q", "-", "-"], { input: pdf }).toString("utf8");

describe("no address or token leaks", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ LOG_REQUESTS: "1" });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it("pages, API, PDFs and the log hold none of the addresses and tokens of a full campaign", async () => {
    const addresses: string[] = [];
    const tokens: string[] = [];
    const publicTexts: Array<[string, string]> = [];
    const organizerTexts: Array<[string, string]> = [];
    const get = async (path: string, cookie?: string) => {
      const res = await fetch(`${h.url}${path}`, { headers: cookie ? { Cookie: cookie } : {}, redirect: "manual" });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status, path).toBeLessThan(400);
      return { res, body };
    };
    const post = (path: string, body: string | FormData, cookie?: string) =>
      fetch(`${h.url}${path}`, {
        method: "POST",
        headers: { ...(typeof body === "string" ? { "Content-Type": "application/x-www-form-urlencoded" } : {}), ...(cookie ? { Cookie: cookie } : {}) },
        body,
        redirect: "manual",
      });
    const keep = async (list: Array<[string, string]>, path: string, cookie?: string) => {
      const { res, body } = await get(path, cookie);
      list.push([path, `${[...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${body.toString("utf8")}`]);
      return body;
    };

    // The organizer signs in with the link from the e-mail.
    const org = await newOrganization("Leak-checked NGO");
    addresses.push(org.email);
    const appeal = await publishedAppeal(org, "Open letter about leaks");
    expect((await post("/login", `email=${encodeURIComponent(org.email)}`)).status).toBe(200);
    const loginMail = await h.sink.waitFor((m) => m.to.includes(org.email) && m.text.includes("/login/t/"));
    const loginToken = tokenIn(loginMail.text, "login");
    tokens.push(loginToken);
    await keep(publicTexts, `/login/t/${loginToken}`);
    const signedIn = await post(`/login/t/${loginToken}`, "");
    expect(signedIn.status).toBe(302);
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^__session=/);

    // Three people sign; two confirm (one keeps informed, one stays private), one says it was not them.
    const signers = [
      { name: "Aliya Nurlanova", email: uniqueEmail("aliya"), disclosure: "public", keepInformed: true },
      { name: "Pavel Private", email: uniqueEmail("pavel.private+tag"), disclosure: "private", keepInformed: false },
      { name: "Not Me", email: uniqueEmail("notme"), disclosure: "public", keepInformed: false },
    ];
    for (const s of signers) {
      addresses.push(s.email);
      const res = await post(
        `/appeals/${appeal.slug}`,
        signForm({ name: s.name, email: s.email, keepInformed: s.keepInformed, extra: { disclosure: s.disclosure } }),
      );
      expect(res.status).toBe(303);
      await keep(publicTexts, res.headers.get("location") ?? "/");
    }
    for (const [i, s] of signers.entries()) {
      const mail = await h.sink.waitFor((m) => m.to.includes(s.email) && m.text.includes("/s/confirm/"));
      const confirm = tokenIn(mail.text, "confirm");
      const reject = tokenIn(mail.text, "reject");
      const withdraw = tokenIn(mail.text, "withdraw");
      tokens.push(confirm, reject, withdraw);
      await keep(publicTexts, `/s/confirm/${confirm}`);
      await keep(publicTexts, `/s/withdraw/${withdraw}`);
      if (i < 2) {
        const done = await post(`/s/confirm/${confirm}`, "");
        expect(done.status).toBe(303);
        await keep(publicTexts, done.headers.get("location") ?? "/");
      } else {
        await keep(publicTexts, `/s/reject/${reject}`);
        const rejected = await post(`/s/reject/${reject}`, "");
        expect(rejected.status).toBe(200);
        publicTexts.push([`POST /s/reject/${reject}`, await rejected.text()]);
      }
    }

    // The organizer generates the letter through the dashboard and waits for the job.
    const requested = await post(`/dashboard/appeals/${appeal.id}/letters`, "lang=en", cookie);
    expect(requested.status).toBe(200);
    let letter: { id: number; code: string } | undefined;
    for (let i = 0; i < 300 && !letter; i++) {
      const row = await getDb().selectFrom("letters").select(["id", "code", "status"]).where("appeal_id", "=", appeal.id).executeTakeFirst();
      if (row?.status === "ready") letter = row;
      else await new Promise((r) => setTimeout(r, 200));
    }
    if (!letter) throw new Error("the letter was not generated");
    const pdf = (await get(`/dashboard/appeals/${appeal.id}/letters/${letter.id}.pdf`, cookie)).body;
    const text = pdfText(pdf);
    // The letter does carry the confirmed signatories' names (and not the one who rejected).
    expect(text).toContain("Aliya Nurlanova");
    expect(text).toContain("Pavel Private");
    expect(text).not.toContain("Not Me");
    const pdfs: Array<[string, string]> = [["letter (dashboard)", text]];
    const { letterDownloadSignature } = await import("../../app/services/letters.server");
    const signed = (await get(`/letters/${letter.code}.pdf?sig=${letterDownloadSignature(letter.code)}`)).body;
    pdfs.push(["letter (signed link)", pdfText(signed)]);
    const zip = (await get(`/dashboard/appeals/${appeal.id}/letters.zip?ids=${letter.id}`, cookie)).body;
    organizerTexts.push(["letters.zip (raw bytes)", zip.toString("latin1")]);

    // The verify page, by code and by uploading the PDF.
    await keep(publicTexts, `/verify/${letter.code}`);
    await keep(publicTexts, `/verify?code=${letter.code}`);
    const upload = new FormData();
    upload.append("file", new Blob([new Uint8Array(pdf)], { type: "application/pdf" }), "letter.pdf");
    const verified = await post(`/verify/${letter.code}`, upload);
    expect(verified.status).toBe(200);
    const verifiedHtml = await verified.text();
    publicTexts.push(["POST /verify", verifiedHtml]);

    // Public pages and the API, in every interface language.
    for (const lang of ["en", "ru", "kk"]) {
      await keep(publicTexts, `/?lang=${lang}`);
      await keep(publicTexts, `/appeals/${appeal.slug}?lang=${lang}`);
      await keep(publicTexts, `/appeals/${appeal.slug}/thanks?lang=${lang}`);
    }
    await keep(publicTexts, `/api/appeals/${appeal.slug}`);
    await keep(publicTexts, `/privacy`);
    await keep(publicTexts, `/appeals/${appeal.slug}/attachments/${appeal.attachmentId}`);
    // The public list shows Aliya as she chose, and not the private signer.
    const page = publicTexts.find(([p]) => p === `/appeals/${appeal.slug}?lang=en`)?.[1] ?? "";
    expect(page).toContain("Aliya Nurlanova");
    expect(page).not.toContain("Pavel Private");

    // Organizer pages show no signer's address or token either (the CSV export, asked for
    // with a stated purpose, is the one place the addresses of people who asked for news go).
    for (const p of ["", "/signatures", "/letters", "/updates", "/preview", "/settings", "/addressees", "/attachments"]) {
      await keep(organizerTexts, `/dashboard/appeals/${appeal.id}${p}`, cookie);
    }
    await keep(organizerTexts, `/dashboard/orgs/${org.organizationId}`, cookie);

    // Everything the app wrote to its stdout/stderr, request log included.
    await new Promise((r) => setTimeout(r, 300));
    const log = h.app.output();
    expect(log).toMatch(/GET \/s\/confirm\/\[token\] 200/);

    const found: string[] = [];
    const search = (where: string, text: string, needles: string[]) => {
      const lower = text.toLowerCase();
      for (const n of needles) {
        if (lower.includes(n.toLowerCase())) found.push(`${where}: ${n}`);
        if (lower.includes(encodeURIComponent(n).toLowerCase())) found.push(`${where}: ${n} (URL-encoded)`);
      }
    };
    const signerAddresses = addresses.filter((a) => a !== org.email);
    // A link's page holds its own token (its form posts back to its own address); that page is
    // seen only by who has the link and sends no Referer. Any other token there would be a leak.
    for (const [where, text] of publicTexts) search(where, text, [...addresses, ...tokens.filter((t) => !where.includes(t))]);
    for (const [where, text] of pdfs) search(where, text, [...addresses, ...tokens]);
    for (const [where, text] of organizerTexts) search(where, text, [...signerAddresses, ...tokens]);
    search("the app's log", log, [...addresses, ...tokens]);
    expect(found).toEqual([]);
    expect(publicTexts.length).toBeGreaterThan(25);
  }, 180_000);
});

import crypto from "node:crypto";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { createAppeal, publish, saveVersion } from "../../app/services/appeals.server";
import { deliver, reviewDelivery } from "../../app/services/delivery.server";
import { requestLetters } from "../../app/services/letters.server";
import { setContactEmail } from "../../app/services/organizations.server";
import { pathOf } from "../../app/services/storage.server";
import { getDb } from "../../db/client";
import { newOrganization, sessionCookie, uniqueEmail } from "../fixtures/organizers";
import { throwawayGpg, type Gpg } from "../setup/gpg";
import { signForm, startHarness, tokenIn, unique, type Harness } from "./support/harness";
import { requireJava, validate } from "./support/vnu";

const run = promisify(execFile);

/**
 * Letters only the addressee can read (issue 14 point 3), through the built app:
 * - the addressees form takes an addressee's OpenPGP public key as a file (made by Debian's gpg
 *   in a throwaway GNUPGHOME) and shows its fingerprint; bad keys are refused with the message
 *   in the organizer's language (en, ru, kk), never a 500; the organization page takes the
 *   organization's key, pasted;
 * - delivered, the e-mail carries <letter>.pdf.gpg and no PDF: gpg decrypts it with the
 *   addressee's key and with the organization's key to the signed letter's very bytes (sha256),
 *   and pdfsig says its signature is valid;
 * - the letters tab's encrypted download (streamed) decrypts to the same bytes, and so does the
 *   addressee's signed encrypted link; a wrong signature is a 404.
 */

let h: Harness;
let addresseeGpg: Gpg;
let orgGpg: Gpg;
let dir: string;
const fingerprints = { addressee: "", organization: "", expired: "", signOnly: "" };

const sha256 = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  requireJava();
  h = await startHarness();
  addresseeGpg = await throwawayGpg();
  orgGpg = await throwawayGpg();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "openpgp-letters-"));
  fingerprints.addressee = await addresseeGpg.generate("The Minister <minister@example.test>");
  fingerprints.organization = await orgGpg.generate("The Organization <org@example.test>");
  fingerprints.expired = await addresseeGpg.generate("Expired <expired@example.test>", { expire: "seconds=1" });
  fingerprints.signOnly = await addresseeGpg.generate("Sign only <sign@example.test>", { algo: "ed25519", usage: "sign" });
  await new Promise((r) => setTimeout(r, 1500));
}, 240_000);

afterAll(async () => {
  await h?.stop();
  await addresseeGpg?.remove();
  await orgGpg?.remove();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer }): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append("file", new Blob([new Uint8Array(file.content)]), file.name);
  return form;
}

async function post(url: string, cookie: string, body: FormData, lang = "en") {
  return fetch(`${h.url}${url}`, { method: "POST", headers: { Cookie: cookie, Origin: h.url, "Accept-Language": lang }, body, redirect: "manual" });
}

async function waitForLetter(letterId: number) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const row = await getDb().selectFrom("letters").selectAll().where("id", "=", letterId).executeTakeFirstOrThrow();
    if (row.status === "ready" && row.storage_key) return { ...row, storage_key: row.storage_key };
    if (row.status === "failed" || Date.now() > deadline) throw new Error(`the letter is ${row.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function decryptBoth(file: string, expected: string) {
  expect(sha256(await addresseeGpg.decrypt(file))).toBe(expected);
  expect(sha256(await orgGpg.decrypt(file))).toBe(expected);
}

describe("OpenPGP letters", () => {
  it("keys on the forms, the delivery e-mail and the downloads encrypted to them", async () => {
    const owner = await newOrganization("Коалиция за чистый воздух");
    const cookie = await sessionCookie(owner.userId);
    await setContactEmail(owner.organizationId, owner.userId, uniqueEmail("contact"));
    const slug = unique("pgp");
    const appealId = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "en", title: "Clean air" });
    await saveVersion(appealId, owner.userId, "en", { title: "Clean air", summary: "We ask for clean air.", body: "Dear Minister,\n\nplease act." });
    const ministerEmail = uniqueEmail("minister");
    const addresseeFields = {
      _intent: "add",
      "name.en": "The Minister",
      "position.en": "Minister",
      "institution.en": "Ministry",
      email: ministerEmail,
      letterLanguage: "en",
    };
    const addressees = `/dashboard/appeals/${appealId}/addressees`;

    // Bad keys: refused with their own message, in the organizer's language; nothing saved.
    const refusals: Array<[string, { name: string; content: Buffer } | null, string, string, number]> = [
      ["garbage", { name: "key.asc", content: Buffer.from("not a key") }, "en", "This is not an OpenPGP public key.", 400],
      ["expired", { name: "key.asc", content: await addresseeGpg.exportPublic(fingerprints.expired) }, "ru", "Срок действия этого ключа истёк", 400],
      ["sign only", { name: "key.asc", content: await addresseeGpg.exportPublic(fingerprints.signOnly) }, "kk", "Бұл кілтпен шифрлау мүмкін емес", 400],
      ["private", { name: "key.asc", content: await addresseeGpg.exportSecret(fingerprints.addressee) }, "en", "This is a private (secret) key", 400],
      ["too large", { name: "key.asc", content: Buffer.alloc(64 * 1024 + 1, 65) }, "ru", "Этот ключ больше 64 КБ", 413],
    ];
    // The pages with the new fields (a refusal, a saved key) go through the Nu Html Checker at the end.
    const pages: Record<string, string> = {};
    for (const [what, file, lang, message, status] of refusals) {
      const r = await post(addressees, cookie, multipart(addresseeFields, file ?? undefined), lang);
      const html = await r.text();
      expect(r.status, what).toBe(status);
      expect(html, what).toContain(message);
      pages[`refused-${lang}`] = html;
    }
    // A body that is not a valid multipart form is a 400 with a message, not a 500.
    const broken = await fetch(`${h.url}${addressees}`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: h.url, "Content-Type": "multipart/form-data; boundary=x" },
      body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
    });
    expect(broken.status).toBe(400);
    expect(await getDb().selectFrom("addressees").select("id").where("appeal_id", "=", appealId).execute()).toEqual([]);

    // The addressee's key as a file (binary export), saved; its fingerprint shown as gpg shows it.
    const added = await post(
      addressees,
      cookie,
      multipart(addresseeFields, { name: "minister.gpg", content: await addresseeGpg.exportPublic(fingerprints.addressee, false) }),
    );
    expect(added.status).toBe(200);
    const page = await (await fetch(`${h.url}${addressees}`, { headers: { Cookie: cookie } })).text();
    const grouped = (fingerprints.addressee.match(/.{4}/g) ?? []).join(" ");
    expect(page).toContain(grouped);
    // The key itself stays on the server: the page carries its fingerprint only.
    expect(page).not.toContain("openpgp_key");
    pages.addressees = page;

    // The organization's key, pasted, on the organization page.
    const orgKey = (await orgGpg.exportPublic(fingerprints.organization)).toString("utf8");
    const saved = await post(`/dashboard/orgs/${owner.organizationId}?openpgp`, cookie, multipart({ _intent: "openpgp", openpgpKey: orgKey }));
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("The organization&#x27;s OpenPGP key was saved.");
    const orgPage = await (await fetch(`${h.url}/dashboard/orgs/${owner.organizationId}`, { headers: { Cookie: cookie } })).text();
    expect(orgPage).toContain((fingerprints.organization.match(/.{4}/g) ?? []).join(" "));
    pages.organization = orgPage;

    // A signer, a signed letter, the delivery.
    await publish(appealId, owner.userId, {});
    const signerEmail = uniqueEmail("signer");
    const signed = await fetch(`${h.url}/appeals/${slug}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: signForm({ name: "Aigerim Seitkali", email: signerEmail }),
      redirect: "manual",
    });
    expect(signed.status).toBe(303);
    const confirmMail = await h.sink.waitFor((m) => m.to.includes(signerEmail) && m.text.includes("/s/confirm/"));
    const confirmed = await fetch(`${h.url}/s/confirm/${tokenIn(confirmMail.text, "confirm")}`, { method: "POST", redirect: "manual" });
    expect(confirmed.status).toBe(303);
    const [letterId] = await requestLetters(appealId, owner.userId, { lang: "en" });
    const letter = await waitForLetter(letterId ?? 0);
    const letterSha = sha256(await fs.readFile(pathOf(letter.storage_key)));

    // A key that expired since it was saved (written here as if it had): said before sending, no token.
    const addresseeRow = await getDb().selectFrom("addressees").select(["id", "openpgp_key"]).where("appeal_id", "=", appealId).executeTakeFirstOrThrow();
    const expiredArmored = (await addresseeGpg.exportPublic(fingerprints.expired)).toString("utf8");
    await getDb().updateTable("addressees").set({ openpgp_key: expiredArmored }).where("id", "=", addresseeRow.id).execute();
    const blocked = await reviewDelivery(appealId, owner.userId);
    expect(blocked.problems).toEqual(["openpgp.keyUnusable"]);
    expect(blocked.token).toBeNull();
    await getDb().updateTable("addressees").set({ openpgp_key: addresseeRow.openpgp_key }).where("id", "=", addresseeRow.id).execute();

    const review = await reviewDelivery(appealId, owner.userId);
    expect(review.problems).toEqual([]);
    expect(await deliver(appealId, owner.userId, review.token)).toEqual({ sent: 1, skipped: 0 });
    const mail = await h.sink.waitFor((m) => m.to.includes(ministerEmail) && m.attachments.length > 0, 60_000);
    expect(mail.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/\.pdf\.gpg$/)]);
    expect(mail.attachments.some((a) => a.content.subarray(0, 5).toString("latin1") === "%PDF-")).toBe(false);
    expect(mail.raw.toString("latin1")).not.toContain("application/pdf");
    expect(mail.text).toContain(fingerprints.addressee);
    const attached = path.join(dir, "attached.pdf.gpg");
    await fs.writeFile(attached, mail.attachments[0]!.content);
    await decryptBoth(attached, letterSha);
    const decrypted = path.join(dir, "decrypted.pdf");
    await fs.writeFile(decrypted, await addresseeGpg.decrypt(attached));
    const pdfsig = (await run("pdfsig", [decrypted])).stdout;
    expect(pdfsig).toContain("Signature Validation: Signature is Valid.");
    expect(pdfsig).toContain("Total document signed");

    // The letters tab offers the encrypted copy; it streams, and decrypts to the same bytes.
    const addresseeId = (await getDb().selectFrom("addressees").select("id").where("appeal_id", "=", appealId).executeTakeFirstOrThrow()).id;
    const tab = await (await fetch(`${h.url}/dashboard/appeals/${appealId}/letters`, { headers: { Cookie: cookie } })).text();
    const href = `/dashboard/appeals/${appealId}/letters/${letter.id}.pdf?for=${addresseeId}`;
    expect(tab).toContain(href.replace(/&/g, "&amp;"));
    const download = await fetch(`${h.url}${href}`, { headers: { Cookie: cookie } });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toMatch(/\.pdf\.gpg"/);
    const downloaded = path.join(dir, "downloaded.pdf.gpg");
    await fs.writeFile(downloaded, Buffer.from(await download.arrayBuffer()));
    await decryptBoth(downloaded, letterSha);
    // Another addressee id, or another organizer's session: no letter.
    expect((await fetch(`${h.url}/dashboard/appeals/${appealId}/letters/${letter.id}.pdf?for=999999999`, { headers: { Cookie: cookie } })).status).toBe(404);
    const stranger = await newOrganization("Other");
    expect([403, 404]).toContain((await fetch(`${h.url}${href}`, { headers: { Cookie: await sessionCookie(stranger.userId) } })).status);

    // The addressee's link for a letter too large to attach: encrypted only, signed per addressee.
    const { encryptedDownloadUrl } = await import("../../app/services/openpgp-keys.server");
    const link = encryptedDownloadUrl(h.url, letter.code, addresseeId);
    const linked = await fetch(link);
    expect(linked.status).toBe(200);
    const linkedFile = path.join(dir, "linked.pdf.gpg");
    await fs.writeFile(linkedFile, Buffer.from(await linked.arrayBuffer()));
    await decryptBoth(linkedFile, letterSha);
    expect((await fetch(link.replace(/sig=[^&]+/, "sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))).status).toBe(404);

    pages.letters = tab;
    const files: string[] = [];
    for (const [name, html] of Object.entries(pages)) {
      const file = path.join(dir, `${name}.html`);
      await fs.writeFile(file, html);
      files.push(file);
    }
    expect(await validate(files)).toEqual([]);
  }, 300_000);
});

import { execFile } from "node:child_process";
import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Page } from "@playwright/test";
import pg from "pg";
import { expect, expectAccessible, linkIn, mailbox, test } from "./fixtures";

/**
 * An organizer makes a delivery letter from the dashboard, downloads it, checks it on the
 * verification page (and a tampered copy), downloads all languages as a ZIP and sends it to the
 * addressee through the real SMTP sink. Someone from another organization gets 403.
 */
const run = promisify(execFile);
const unique = () => `${Date.now().toString(36)}-${crypto.randomBytes(3).toString("hex")}`;
const sha256 = (data: Uint8Array) => crypto.createHash("sha256").update(data).digest("hex");

const SIGNERS = [
  { name: "Айгерім Сейітқалиева", city: "Қарағанды", country: "KZ", disclosure: "public" },
  { name: "Zofia Łukasiewicz-Żółć", city: "Łódź", country: "PL", disclosure: "initials" },
  { name: "Νίκος Παπαδόπουλος", city: "Θεσσαλονίκη", country: "GR", disclosure: "private" },
  { name: "Jürgen Weiß", city: "Nürnberg", country: "DE", disclosure: "public" },
];

async function createOrganization(name: string, owner: string) {
  const { stdout } = await run("npm", ["run", "--silent", "org:create", "--", "--name", name, "--owner", owner], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, LOG_REQUESTS: "0" },
    timeout: 60_000,
  });
  expect(stdout).toContain("Created organization");
}

/** Signs in through the login form and the one-time link that arrives by e-mail. */
async function signIn(page: Page, email: string) {
  const before = (await mailbox.all()).filter(mailbox.to(email)).length;
  await page.goto("/login");
  await page.getByRole("textbox", { name: /e-mail/i }).fill(email);
  await page.locator("form button[type=submit]").click();
  await expect(page.getByRole("status")).toBeVisible();
  await expect.poll(async () => (await mailbox.all()).filter(mailbox.to(email)).length, { timeout: 20_000 }).toBeGreaterThan(before);
  const mails = (await mailbox.all()).filter(mailbox.to(email));
  const link = linkIn(mails[mails.length - 1]!.text, `${process.env.E2E_BASE_URL}/login/t/`);
  await page.goto(link);
  await page.locator("form button[type=submit]").click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

/** A published appeal in Russian and English with one addressee who has a delivery address. */
async function publishAppeal(page: Page, slug: string, addressee: string) {
  await page.getByRole("textbox", { name: "Title", exact: true }).fill("Освободите журналистов");
  await page.getByRole("textbox", { name: "Web address" }).fill(slug);
  await page.getByLabel("Original language").selectOption("ru");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/dashboard\/appeals\/\d+$/);
  const base = new URL(page.url()).pathname;

  const save = async (text: { title?: string; summary: string; body: string }) => {
    if (text.title) await page.getByRole("textbox", { name: "Title", exact: true }).fill(text.title);
    await page.getByLabel("Short summary").fill(text.summary);
    await page.getByLabel("Text (Markdown)").fill(text.body);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.getByRole("status")).toHaveText("Saved.");
  };
  await page.goto(`${base}/text/ru`);
  await save({ summary: "Коалиция просит освободить журналистов.", body: "## Мы просим\n\n1. **Освободить** задержанных журналистов." });
  await page.goto(base);
  await page.locator("#f-lang").selectOption("en");
  await page.getByRole("button", { name: "Add a language" }).click();
  await expect(page).toHaveURL(`${base}/text/en`);
  await save({
    title: "Free the journalists",
    summary: "A coalition asks for the release of journalists.",
    body: "## We ask you\n\n1. To **release** the detained journalists.",
  });

  await page.goto(`${base}/addressees`);
  const form = page.getByRole("region", { name: "Add addressee" });
  await form.getByRole("group", { name: "In Russian" }).getByRole("textbox", { name: "Name", exact: true }).fill("Роберта Метсола");
  await form.getByRole("group", { name: "In English" }).getByRole("textbox", { name: "Name", exact: true }).fill("Roberta Metsola");
  await form.getByLabel(/E-mail for delivery/).fill(addressee);
  await form.getByRole("button", { name: "Add addressee" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");

  await page.goto(base);
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Published as revision 1.");
  return { base, appealId: Number(base.split("/").pop()) };
}

/** Confirmed signatures, straight into the database (signing itself is tested elsewhere). */
async function addSignatures(appealId: number) {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    for (const [i, s] of SIGNERS.entries()) {
      await client.query(
        `INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, disclosure, email, email_key, confirmed_at)
         VALUES ($1, 1, 'ru', 'confirmed', $2, $3, $4, $5, $6, $6, now() - ($7 || ' hours')::interval)`,
        [appealId, s.name, s.city, s.country, s.disclosure, `signer-${i}-${unique()}@mail.example`, String(SIGNERS.length - i)],
      );
    }
  } finally {
    await client.end();
  }
}

async function organizationIdOf(appealId: number): Promise<number> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    return Number((await client.query<{ organization_id: string }>("SELECT organization_id FROM appeals WHERE id = $1", [appealId])).rows[0]?.organization_id);
  } finally {
    await client.end();
  }
}

async function pdfText(file: string) {
  return (await run("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"])).stdout;
}

test.describe("letters: generate, download, verify, deliver", () => {
  test("an organizer generates a letter, downloads it, verifies it and a tampered copy, gets the ZIP and delivers it; others get 403", async ({
    page,
    browser,
  }) => {
    test.setTimeout(240_000);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-e2e-letters-"));
    const email = `organizer-${unique()}@example.org`;
    const addressee = `president-${unique()}@parliament.example`;
    const slug = `letter-${unique()}`;
    await createOrganization("Коалиция «Свобода слова»", email);
    await signIn(page, email);
    const { base, appealId } = await publishAppeal(page, slug, addressee);
    await addSignatures(appealId);

    // The Letters tab: generate the Russian letter and wait for it (the page refreshes itself).
    await page.goto(`${base}/letters`);
    await expect(page.getByRole("heading", { level: 2, name: "Letters and delivery" })).toBeVisible();
    await expect(page.getByText("No letters generated yet.")).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel("Generate a letter in").selectOption("ru");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    const row = page.getByRole("row").filter({ hasText: "Russian" });
    await expect(row).toContainText("Ready", { timeout: 90_000 });
    await expect(row).toContainText(String(SIGNERS.length));
    await expectAccessible(page);
    const code = (await row.locator("code").first().textContent()) ?? "";
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    // Download it: a real PDF with the signatories, the code and no e-mail address.
    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("link", { name: "Download PDF" }).click()]);
    expect(download.suggestedFilename()).toBe(`${slug}-ru-${code}.pdf`);
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const bytes = await fs.readFile(file);
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    const text = await pdfText(file);
    for (const s of SIGNERS) expect(text).toContain(s.name);
    expect(text).toContain("Коалиция «Свобода слова»");
    expect(text).toContain(`Код проверки ${code}`);
    expect(text).toMatch(/Страница 1 из 1/);
    expect(text).not.toContain("@");

    // The verification page: the facts, no names; the file matches, a one-byte edit does not.
    await row.getByRole("link", { name: code }).click();
    await expect(page).toHaveURL(`/verify/${code}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Verify a letter");
    await expect(page.locator(".facts")).toContainText("Освободите журналистов");
    await expect(page.locator(".facts")).toContainText(sha256(bytes));
    for (const s of SIGNERS) await expect(page.locator("body")).not.toContainText(s.name);
    await expectAccessible(page);
    await page.getByLabel("PDF file").setInputFiles(file);
    await page.getByRole("button", { name: "Check", exact: true }).click();
    await expect(page.getByRole("alert")).toHaveText("This file is exactly the letter generated with this code.");
    await expectAccessible(page);
    const tampered = Buffer.from(bytes);
    const at = tampered.indexOf("/Producer") + 12;
    tampered[at] = tampered[at]! ^ 1;
    await page.getByLabel("PDF file").setInputFiles({ name: "letter.pdf", mimeType: "application/pdf", buffer: tampered });
    await page.getByRole("button", { name: "Check", exact: true }).click();
    await expect(page.getByRole("alert")).toHaveText(/does NOT match the letter generated with this code/);
    await expectAccessible(page);

    // Signed by the organization (the app's worker thread signed it): pdfsig says valid and whole,
    // and the fingerprint /verify shows is openssl's of the certificate in the PDF, and the one the
    // owner sees on the organization page. A wrong PKCS#12 is refused there in the owner's language.
    const sig = (await run("pdfsig", [file])).stdout;
    expect(sig).toContain("Signature Validation: Signature is Valid.");
    expect(sig).toContain("Total document signed");
    expect(sig).toContain("Signer Certificate Common Name: Коалиция «Свобода слова»");
    const dumpDir = await fs.mkdtemp(path.join(dir, "dump-"));
    await run("pdfsig", ["-dump", file], { cwd: dumpDir });
    const [sig0] = (await fs.readdir(dumpDir)).filter((f) => f.endsWith(".sig0"));
    const pem = (await run("openssl", ["pkcs7", "-inform", "DER", "-in", path.join(dumpDir, sig0!), "-print_certs"])).stdout;
    await fs.writeFile(path.join(dumpDir, "signer.pem"), pem);
    const opensslFingerprint = /Fingerprint=([0-9A-F:]+)/.exec(
      (await run("openssl", ["x509", "-in", path.join(dumpDir, "signer.pem"), "-noout", "-fingerprint", "-sha256"])).stdout,
    )?.[1];
    await page.goto(`/verify/${code}`);
    await expect(page.getByTestId("signer-fingerprint")).toHaveText(opensslFingerprint ?? "missing");
    // The signed revocation list the page links to: OpenSSL verifies it, signed by the same certificate.
    for (const [name, link] of [
      ["revocations.txt", "Revocation list (signed)"],
      ["revocations.p7s", "its signature (.p7s)"],
    ] as const) {
      const href = await page.getByRole("link", { name: link, exact: true }).getAttribute("href");
      const response = await page.request.get(href!);
      expect(response.status()).toBe(200);
      await fs.writeFile(path.join(dumpDir, name), await response.body());
    }
    expect(await fs.readFile(path.join(dumpDir, "revocations.txt"), "utf8")).toMatch(
      new RegExp(`^appeals-revocations:1\nletter ${code}\n[^]*\nrevoked-total 0\n`),
    );
    await run(
      "openssl",
      [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "revocations.p7s",
        "-content",
        "revocations.txt",
        "-noverify",
        "-purpose",
        "any",
        "-out",
        "/dev/null",
      ],
      {
        cwd: dumpDir,
      },
    );
    const listPem = (await run("openssl", ["pkcs7", "-inform", "DER", "-in", path.join(dumpDir, "revocations.p7s"), "-print_certs"])).stdout;
    await fs.writeFile(path.join(dumpDir, "list-signer.pem"), listPem);
    expect((await run("openssl", ["x509", "-in", path.join(dumpDir, "list-signer.pem"), "-noout", "-fingerprint", "-sha256"])).stdout).toContain(
      opensslFingerprint ?? "missing",
    );
    await page.screenshot({ path: test.info().outputPath("verify-signed.png"), fullPage: true });
    await page.goto(`/dashboard/orgs/${await organizationIdOf(appealId)}?lang=ru`);
    await expect(page.getByTestId("certificate-fingerprint")).toHaveText(opensslFingerprint ?? "missing");
    await page
      .getByLabel("Файл PKCS#12 (.p12, .pfx)")
      .setInputFiles({ name: "org.p12", mimeType: "application/x-pkcs12", buffer: Buffer.from("not a certificate") });
    await page.getByLabel("Пароль").fill("секрет");
    await page.getByRole("button", { name: "Загрузить и использовать" }).click();
    await expect(page.getByText("Это не файл PKCS#12 (.p12, .pfx), или пароль неверен.")).toBeVisible();
    await expect(page.getByLabel("Пароль")).toHaveValue("");
    await expectAccessible(page);
    await page.screenshot({ path: test.info().outputPath("org-certificate-ru.png"), fullPage: true });
    await page.goto("/dashboard?lang=en");

    // Someone from another organization: 403 on the download, the ZIP and the tab.
    const strangerEmail = `stranger-${unique()}@example.org`;
    await createOrganization("Other organization", strangerEmail);
    const strangerContext = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
    const stranger = await strangerContext.newPage();
    await signIn(stranger, strangerEmail);
    const letterId = await letterIdOf(page, base, code);
    expect((await strangerContext.request.get(`${base}/letters/${letterId}.pdf`)).status()).toBe(403);
    expect((await strangerContext.request.get(`${base}/letters.zip?ids=${letterId}`)).status()).toBe(403);
    expect((await stranger.goto(`${base}/letters`))?.status()).toBe(403);
    await strangerContext.close();
    // Not signed in: to the login page, never the file.
    const anonymous = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
    const anon = await anonymous.request.get(`${base}/letters/${letterId}.pdf`, { maxRedirects: 0 });
    expect(anon.status()).toBe(302);
    await anonymous.close();

    // All languages: one letter each, then one ZIP with both and the manifest.
    await page.goto(`${base}/letters`);
    await page.getByRole("button", { name: "All languages (ZIP)" }).click();
    await expect(page.getByRole("link", { name: "Download all as ZIP" })).toBeVisible({ timeout: 90_000 });
    const [zipDownload] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download all as ZIP" }).click()]);
    expect(zipDownload.suggestedFilename()).toBe(`${slug}-letters.zip`);
    const zip = path.join(dir, "letters.zip");
    await zipDownload.saveAs(zip);
    const entries = (await run("zipinfo", ["-1", zip])).stdout.trim().split("\n").sort();
    expect(entries).toHaveLength(3);
    expect(entries[0]).toBe("MANIFEST.txt");
    expect(entries[1]).toMatch(new RegExp(`^${slug}-en-[0-9A-Z-]{14}\\.pdf$`));
    expect(entries[2]).toMatch(new RegExp(`^${slug}-ru-[0-9A-Z-]{14}\\.pdf$`));
    const english = (await run("unzip", ["-p", zip, entries[1]!], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 })).stdout;
    await fs.writeFile(path.join(dir, "en.pdf"), english);
    expect(await pdfText(path.join(dir, "en.pdf"))).toContain("Translation from Russian; the Russian text is authoritative.");
    expect((await run("unzip", ["-p", zip, "MANIFEST.txt"])).stdout).toContain(entries[1]!);

    // Delivery sends each addressee the newest ready letter in their language: here the Russian one of the ZIP's batch.
    const sentCode = /-ru-([0-9A-Z-]{14})\.pdf$/.exec(entries[2]!)?.[1] ?? "";
    const sentBytes = (await run("unzip", ["-p", zip, entries[2]!], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 })).stdout;

    // Delivery asks first, without JavaScript; it needs the organization's contact address.
    await page.goto(`${base}/letters`);
    await page.getByRole("button", { name: "Review and send…" }).click();
    const confirmation = page.getByRole("region", { name: "Check before sending" });
    await expect(confirmation).toContainText("Add the organization's contact address for replies first");
    await expect(confirmation.getByRole("button", { name: /^Yes, send/ })).toHaveCount(0);
    await confirmation.getByRole("link", { name: "Contact address for replies" }).click();
    await page.getByRole("textbox", { name: "Contact address for replies" }).fill("not an address");
    await page.getByRole("region", { name: "Contact address for replies" }).getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("region", { name: "Contact address for replies" })).toContainText("Enter a valid e-mail address");
    await page.getByRole("textbox", { name: "Contact address for replies" }).fill("press@coalition.example");
    await page.getByRole("region", { name: "Contact address for replies" }).getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status")).toHaveText("Contact address saved.");

    // The confirmation says what happens — the appeal closes, which letter goes to whom — and nothing has happened yet.
    await page.goto(`${base}/letters`);
    await page.getByRole("button", { name: "Review and send…" }).click();
    await expect(confirmation).toContainText("Sending closes the appeal: the sign form disappears and no more signatures are collected.");
    await expect(confirmation).toContainText("replies go to press@coalition.example");
    await expect(confirmation.getByRole("row").filter({ hasText: "Роберта Метсола" })).toContainText(`Russian${sentCode}Sent now`);
    await expectAccessible(page);
    await page.goto(base);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Open for signatures");
    await page.goto(`${base}/letters`);
    await page.getByRole("button", { name: "Review and send…" }).click();
    const token = (await confirmation.locator("input[name=token]").inputValue()) ?? "";
    await confirmation.getByRole("button", { name: "Yes, send 1 e-mail" }).click();
    await expect(page.getByRole("status")).toHaveText("1 e-mail queued.");
    // The same confirmation sent again (a double click, the back button) sends nothing more.
    const again = await page.request.post(`${base}/letters`, { form: { _intent: "deliver", token } });
    expect(again.status()).toBe(200);
    expect(await again.text()).toContain("These letters had already been sent: nothing was sent again.");

    // The letter goes to the addressee with the PDF attached, naming the organization, answered at its address.
    const mail = await mailbox.waitFor(mailbox.to(addressee), 30_000);
    expect(mail.subject).toBe("Открытое письмо: Освободите журналистов — Коалиция «Свобода слова»");
    expect(mail.text).toContain(`/verify/${sentCode}`);
    // The same organization's certificate signed it: the e-mail prints its fingerprint for the addressee to compare.
    expect(mail.text).toContain(opensslFingerprint ?? "missing");
    expect(mail.headers["reply-to"]).toBe("press@coalition.example");
    expect(mail.headers["auto-submitted"]).toBe("auto-generated");
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.filename).toBe(`${slug}-ru-${sentCode}.pdf`);
    expect(sha256(Buffer.from(mail.attachments[0]!.content, "base64"))).toBe(sha256(sentBytes));
    await expect(async () => {
      await page.goto(`${base}/letters`);
      await expect(page.getByRole("region", { name: "Deliveries" }).getByRole("row").filter({ hasText: sentCode })).toContainText("Sent", { timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByRole("region", { name: "Deliveries" })).toContainText("Роберта Метсола");
    await expect(page.locator("body")).not.toContainText(addressee);
    await expectAccessible(page);

    // Sending again is its own step, which says when the letter went before.
    await page.getByRole("region", { name: "Deliveries" }).getByRole("button", { name: "Send again…" }).click();
    const resend = page.getByRole("region", { name: "Send this letter again?" });
    await expect(resend).toContainText(`Letter ${sentCode} (Russian) was already sent to Роберта Метсола on `);
    await expectAccessible(page);
    await resend.getByRole("button", { name: "Yes, send it again" }).click();
    await expect(page.getByRole("status")).toHaveText("Sent again.");
    await expect.poll(async () => (await mailbox.all()).filter(mailbox.to(addressee)).length, { timeout: 30_000 }).toBe(2);
    await page.goto(base);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Delivered");

    await fs.rm(dir, { recursive: true, force: true });
  });
});

/** The id of the letter with this code, from its download link on the Letters tab. */
async function letterIdOf(page: Page, base: string, code: string): Promise<number> {
  await page.goto(`${base}/letters`);
  const href = (await page.getByRole("row").filter({ hasText: code }).getByRole("link", { name: "Download PDF" }).getAttribute("href")) ?? "";
  return Number(/\/letters\/(\d+)\.pdf$/.exec(href)?.[1]);
}

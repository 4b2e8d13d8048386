import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { formStamp } from "../../../app/services/abuse.server";
import { addAddressee, createAppeal, publish, saveVersion } from "../../../app/services/appeals.server";
import { addAttachment } from "../../../app/services/attachments.server";
import { requestLoginLink } from "../../../app/services/auth.server";
import { letterDownloadSignature, requestLetters } from "../../../app/services/letters.server";
import { inviteMember } from "../../../app/services/organizations.server";
import { publishUpdate } from "../../../app/services/updates.server";
import { parseEnv, setEnv } from "../../../app/utils/env.server";
import { getDb } from "../../../db/client";
import { findUserByEmail } from "../../../db/queries/organizations";
import { newOrganization, sessionCookie, uniqueEmail } from "../../fixtures/organizers";
import { startApp, type AppProcess } from "../../setup/app-process";
import { SmtpSink } from "../../setup/smtp-sink";

/**
 * The built app started as `npm start` starts it (tests/setup/app-process.ts), against this test
 * file's database, with a real SMTP sink and its own data folder; this process is configured the
 * same way (secret, data folder, APP_URL) so that what the services seed here, the app serves.
 */
export const SECRET = "integration-tests-session-secret-0123456789";
/** The app and this process encrypt and decrypt the organizations' signing keys with the same secret. */
export const SIGNING_KEY_SECRET = "integration-tests-signing-key-secret-0123456789";
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");

export interface Harness {
  app: AppProcess;
  sink: SmtpSink;
  dataDir: string;
  url: string;
  stop: () => Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const sink = new SmtpSink();
  await sink.start();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-int-"));
  const app = await startApp({
    SMTP_URL: sink.url,
    DATA_DIR: dataDir,
    SESSION_SECRET: SECRET,
    SIGNING_KEY_SECRET,
    MIN_FILL_SECONDS: "0",
    SIGN_LIMIT_PER_IP: "1000000",
    SIGN_LIMIT_PER_ADDRESS: "1000",
    // Most files sign in many times from one client (127.0.0.1): the sign-in limits are tested in login-limits.test.ts.
    LOGIN_LIMIT_PER_IP: "100000",
    LOGIN_LIMIT_PER_ADDRESS: "1000",
    LOG_REQUESTS: "0",
    ...env,
  });
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir, APP_URL: app.url, SESSION_SECRET: SECRET, SIGNING_KEY_SECRET, SMTP_URL: sink.url }));
  return {
    app,
    sink,
    dataDir,
    url: app.url,
    stop: async () => {
      await app.stop();
      await sink.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const unique = (prefix: string) => `${prefix}-${crypto.randomBytes(4).toString("hex")}`;

const TOKEN = "[A-Za-z0-9_-]{43}";
export function tokenIn(text: string, kind: "confirm" | "reject" | "withdraw" | "unsubscribe" | "login"): string {
  const route = kind === "login" ? "login/t" : `s/${kind}`;
  const match = new RegExp(`/${route}/(${TOKEN})`).exec(text);
  if (!match?.[1]) throw new Error(`no ${kind} link in:\n${text}`);
  return match[1];
}

/** The sign form as a browser without JavaScript sends it. */
export function signForm(fields: { name: string; email: string; keepInformed?: boolean; extra?: Record<string, string> }): string {
  const form = new URLSearchParams({
    name: fields.name,
    email: fields.email,
    city: "",
    country: "",
    disclosure: "public",
    consent: "on",
    website: "",
    stamp: formStamp(Date.now() - 10_000),
    ...(fields.keepInformed ? { keepInformed: "on" } : {}),
    ...fields.extra,
  });
  return form.toString();
}

async function userIdOf(email: string): Promise<number> {
  const user = await findUserByEmail(getDb(), email);
  if (!user) throw new Error("no such organizer");
  return user.id;
}

/** A published appeal (with an addressee and an attachment) of `owner`'s organization. */
export async function publishedAppeal(owner: { organizationId: number; userId: number }, title = "An open letter on clean air") {
  const slug = unique("pub");
  const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "en", title });
  await saveVersion(id, owner.userId, "en", { title, summary: "We ask for clean air.", body: "Dear Minister,\n\nplease act." });
  await addAddressee(id, owner.userId, null, { en: { name: "The Minister", position: "Minister", institution: "Ministry" } });
  await addAttachment(id, owner.userId, { lang: "en", filename: "evidence.pdf", data: PDF });
  await publish(id, owner.userId, {});
  return { id, slug, attachmentId: await attachmentIdOf(id) };
}

export interface World {
  owner: { organizationId: number; userId: number; email: string; cookie: string };
  editor: { userId: number; email: string; cookie: string };
  otherEditor: { organizationId: number; userId: number; email: string; cookie: string };
  published: { id: number; slug: string; attachmentId: number };
  draft: { id: number; slug: string; attachmentId: number };
  signer: { email: string; name: string; confirm: string; reject: string; withdraw: string; unsubscribe: string };
  letter: { id: number; code: string; sig: string };
  loginToken: string;
  /** Every token and address used, for the leak checks. */
  secrets: string[];
}

async function attachmentIdOf(appealId: number): Promise<number> {
  return (await getDb().selectFrom("attachments").select("id").where("appeal_id", "=", appealId).orderBy("id").executeTakeFirstOrThrow()).id;
}

/**
 * Two organizations: A (owner, editor) with a published appeal and a draft, each with an
 * attachment; B with an editor. A signer signs and confirms through the app (links from the
 * SMTP sink), gets an update with its unsubscribe link; a letter is generated by the app's job.
 */
export async function seedWorld(h: Harness): Promise<World> {
  const ownerA = await newOrganization("Organization A");
  const editorEmail = uniqueEmail("editor");
  await inviteMember(ownerA.organizationId, ownerA.userId, editorEmail, "editor", "en");
  const editorId = await userIdOf(editorEmail);
  const orgB = await newOrganization("Organization B");
  const otherEmail = uniqueEmail("other-editor");
  await inviteMember(orgB.organizationId, orgB.userId, otherEmail, "editor", "en");
  const otherId = await userIdOf(otherEmail);

  const published = await publishedAppeal(ownerA);
  const draftSlug = unique("draft");
  const draftId = await createAppeal(ownerA.userId, { organizationId: ownerA.organizationId, slug: draftSlug, originalLanguage: "en", title: "A draft" });
  await saveVersion(draftId, ownerA.userId, "en", { title: "A draft", summary: "", body: "Not yet." });
  await addAttachment(draftId, ownerA.userId, { lang: "en", filename: "draft-notes.pdf", data: PDF });
  const draft = { id: draftId, slug: draftSlug, attachmentId: await attachmentIdOf(draftId) };

  // The signer, through the app.
  const signerEmail = uniqueEmail("signer");
  const signerName = "Aigerim Seitkali";
  const signed = await fetch(`${h.url}/appeals/${published.slug}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: signForm({ name: signerName, email: signerEmail, keepInformed: true }),
    redirect: "manual",
  });
  if (signed.status !== 303) throw new Error(`signing answered ${signed.status}`);
  const mail = await h.sink.waitFor((m) => m.to.includes(signerEmail) && m.text.includes("/s/confirm/"));
  const confirm = tokenIn(mail.text, "confirm");
  const confirmed = await fetch(`${h.url}/s/confirm/${confirm}`, { method: "POST", redirect: "manual" });
  if (confirmed.status !== 303) throw new Error(`confirming answered ${confirmed.status}`);
  await publishUpdate(published.id, ownerA.userId, { kind: "update", content: { en: { title: "News", body: "The letter is on its way." } } });
  const update = await h.sink.waitFor((m) => m.to.includes(signerEmail) && m.text.includes("/s/unsubscribe/"));

  const [letterId] = await requestLetters(published.id, ownerA.userId, { lang: "en" });
  if (letterId === undefined) throw new Error("no letter requested");
  const deadline = Date.now() + 60_000;
  let code = "";
  for (;;) {
    const row = await getDb().selectFrom("letters").select(["status", "code"]).where("id", "=", letterId).executeTakeFirstOrThrow();
    if (row.status === "ready") {
      code = row.code;
      break;
    }
    if (row.status === "failed" || Date.now() > deadline) throw new Error(`the letter is ${row.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  await requestLoginLink(ownerA.email, "en");
  const login = await h.sink.waitFor((m) => m.to.includes(ownerA.email) && m.text.includes("/login/t/"));
  const loginToken = tokenIn(login.text, "login");

  const signer = {
    email: signerEmail,
    name: signerName,
    confirm,
    reject: tokenIn(mail.text, "reject"),
    withdraw: tokenIn(mail.text, "withdraw"),
    unsubscribe: tokenIn(update.text, "unsubscribe"),
  };
  return {
    owner: { ...ownerA, cookie: await sessionCookie(ownerA.userId) },
    editor: { userId: editorId, email: editorEmail, cookie: await sessionCookie(editorId) },
    otherEditor: { organizationId: orgB.organizationId, userId: otherId, email: otherEmail, cookie: await sessionCookie(otherId) },
    published,
    draft,
    signer,
    letter: { id: letterId, code, sig: letterDownloadSignature(code) },
    loginToken,
    secrets: [ownerA.email, editorEmail, orgB.email, otherEmail, signerEmail, confirm, signer.reject, signer.withdraw, signer.unsubscribe, loginToken],
  };
}

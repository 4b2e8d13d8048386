import crypto from "node:crypto";
import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { newOrganization, sessionCookie, uniqueEmail } from "../../tests/fixtures/organizers";
import { action as loginAction } from "../routes/login";
import { action as tokenAction, loader as tokenLoader } from "../routes/login_.t.$token";
import { action as logoutAction } from "../routes/logout";
import { checkLoginToken, consumeLoginToken, LOGIN_TOKEN_MINUTES, requestLoginLink } from "./auth.server";
import { currentUser, safeNext } from "./session.server";
import { mailsTo, openedOutbox } from "../../tests/fixtures/outbox";
import { findUserByEmail } from "../../db/queries/organizations";

const APP = "http://localhost:3000";

function post(path: string, fields: Record<string, string>, cookie?: string) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (cookie) headers.Cookie = cookie;
  return new Request(`${APP}${path}`, { method: "POST", headers, body: new URLSearchParams(fields).toString() });
}

function asCookie(response: Response): string {
  return (response.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
}

/** The token of the last sign-in link mailed to `email` (read from the outbox, as the user would from the e-mail). */
async function mailedToken(email: string): Promise<string> {
  const mail = (await mailsTo(email)).filter((m) => m.kind === "login").pop();
  if (!mail) throw new Error(`no sign-in mail to ${email}`);
  const match = mail.text.match(/\/login\/t\/([A-Za-z0-9_-]+)/);
  if (!match?.[1]) throw new Error(`no sign-in link in:\n${mail.text}`);
  return match[1];
}

async function signInWithLink(token: string): Promise<Response> {
  const response = await tokenAction({ request: post(`/login/t/${token}`, {}), params: { token }, context: {} });
  if (!(response instanceof Response)) throw new Error("expected a response");
  return response;
}

describe("one-time sign-in links", () => {
  let owner: Awaited<ReturnType<typeof newOrganization>>;
  beforeEach(async () => {
    owner = await newOrganization();
  });

  it("mails a link whose token is random (256 bits), stored only as its SHA-256 hash, valid for 15 minutes", async () => {
    await requestLoginLink(owner.email, "en");
    const token = await mailedToken(owner.email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(Buffer.from(token, "base64url")).toHaveLength(32);

    const rows = await getDb()
      .selectFrom("login_tokens")
      .select(["token_hash", sql<number>`extract(epoch from (expires_at - created_at))`.as("ttl")])
      .where("user_id", "=", owner.userId)
      .execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(Buffer.compare(row.token_hash, crypto.createHash("sha256").update(token).digest())).toBe(0);
    expect(row.token_hash.toString("utf8")).not.toContain(token);
    expect(Number(row.ttl)).toBeCloseTo(LOGIN_TOKEN_MINUTES * 60, 0);
    // Nowhere in the database is the token itself, except in the e-mail waiting to be sent.
    const dump = await sql<{ t: string }>`select row_to_json(l)::text as t from login_tokens l`.execute(getDb());
    expect(dump.rows.map((r) => r.t).join("")).not.toContain(token);
    expect(LOGIN_TOKEN_MINUTES).toBe(15);
  });

  it("two requests give two different tokens", async () => {
    await requestLoginLink(owner.email, "en");
    const first = await mailedToken(owner.email);
    await requestLoginLink(owner.email, "en");
    const second = await mailedToken(owner.email);
    expect(first).not.toBe(second);
  });

  it("opening the link (GET, as a mail scanner would) consumes nothing; the POST of its button signs in, once", async () => {
    await requestLoginLink(owner.email, "en");
    const token = await mailedToken(owner.email);

    for (let i = 0; i < 3; i++) {
      const loaded = await tokenLoader({ request: new Request(`${APP}/login/t/${token}`), params: { token }, context: {} });
      expect(await loaded.json()).toEqual({ state: "valid" });
    }
    const row = await getDb().selectFrom("login_tokens").select("used_at").where("user_id", "=", owner.userId).executeTakeFirstOrThrow();
    expect(row.used_at).toBeNull();

    const response = await signInWithLink(token);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/dashboard");
    const user = await currentUser(new Request(`${APP}/dashboard`, { headers: { Cookie: asCookie(response) } }));
    expect(user?.id).toBe(owner.userId);

    const again = await signInWithLink(token);
    expect(again.status).toBe(410);
    expect(await again.json()).toEqual({ state: "used" });
    expect(again.headers.get("Set-Cookie")).toBeNull();
    expect(await checkLoginToken(token)).toBe("used");
  });

  it("works only once even when the button is pressed twice at the same moment", async () => {
    await requestLoginLink(owner.email, "en");
    const token = await mailedToken(owner.email);
    const results = await Promise.all([consumeLoginToken(token), consumeLoginToken(token), consumeLoginToken(token)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? null : r.reason))).toEqual(["used", "used"]);
  });

  it("expires after 15 minutes", async () => {
    await requestLoginLink(owner.email, "en");
    const token = await mailedToken(owner.email);
    await getDb()
      .updateTable("login_tokens")
      .set({ expires_at: sql`now() - interval '1 second'`, created_at: sql`now() - interval '15 minutes 1 second'` })
      .where("user_id", "=", owner.userId)
      .execute();
    expect(await checkLoginToken(token)).toBe("expired");
    const response = await signInWithLink(token);
    expect(response.status).toBe(410);
    expect(await response.json()).toEqual({ state: "expired" });
  });

  it("refuses unknown and malformed tokens without signing anyone in", async () => {
    const unknown = crypto.randomBytes(32).toString("base64url");
    for (const token of [unknown, "short", `${unknown}x`, "../../etc/passwd", ""]) {
      expect(await checkLoginToken(token)).toBe("invalid");
      const response = await signInWithLink(token);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ state: "invalid" });
    }
  });

  it("the sign-in form answers exactly the same whether or not the address belongs to an organizer", async () => {
    const stranger = uniqueEmail("stranger");
    const known = await loginAction({ request: post("/login", { email: owner.email.toUpperCase() }), params: {}, context: {} });
    const unknown = await loginAction({ request: post("/login", { email: stranger }), params: {}, context: {} });
    expect(known.status).toBe(unknown.status);
    expect(known.status).toBe(200);
    expect(await known.json()).toEqual(await unknown.json());
    expect([...known.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());

    const mails = (await openedOutbox()).filter((m) => [owner.email, stranger].includes(m.to_address)).map((m) => ({ to_address: m.to_address, kind: m.kind }));
    expect(mails).toEqual([{ to_address: owner.email, kind: "login" }]);
    expect(await findUserByEmail(getDb(), stranger)).toBeUndefined();
  });

  it("after signing in, the organizer lands where they were going; never on another site", async () => {
    const destination = "/dashboard/appeals/42?tab=text";
    await loginAction({ request: post("/login", { email: owner.email, next: destination }), params: {}, context: {} });
    const mail = (await mailsTo(owner.email)).pop()!;
    const link = mail.text.match(/http\S+\/login\/t\/\S+/)?.[0] ?? "";
    expect(new URL(link).searchParams.get("next")).toBe(destination);
    const token = new URL(link).pathname.split("/").pop() ?? "";
    const response = await tokenAction({ request: post(`/login/t/${token}${new URL(link).search}`, {}), params: { token }, context: {} });
    expect(response.headers.get("Location")).toBe(destination);

    for (const evil of ["//evil.example/x", "/\\evil.example", "/\t/evil.example", "https://evil.example", "/%0a/x\n"]) {
      expect(safeNext(evil)).toBe("/dashboard");
      await requestLoginLink(owner.email, "en", evil);
      const t = await mailedToken(owner.email);
      const signedIn = await tokenAction({ request: post(`/login/t/${t}?next=${encodeURIComponent(evil)}`, {}), params: { token: t }, context: {} });
      expect(signedIn.headers.get("Location")).toBe("/dashboard");
    }
    const plain = (await mailsTo(owner.email)).pop()!;
    expect(plain.text).not.toContain("next=");
  });

  it("the sign-in e-mail is in the language of the form", async () => {
    await loginAction({ request: post("/login?lang=kk", { email: owner.email }), params: {}, context: {} });
    const [mail] = await mailsTo(owner.email);
    if (!mail) throw new Error("no sign-in mail");
    expect(mail.subject).toBe("«Үндеулерге» кіру сілтемесі");
  });

  it("a badly typed address gets its error beside the field, with what was typed", async () => {
    const response = await loginAction({ request: post("/login", { email: "not-an-address" }), params: {}, context: {} });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ sent: false, limited: null, errors: { email: "form.invalidEmail" }, values: { email: "not-an-address" } });
  });
});

describe("sessions", () => {
  async function signIn(email: string) {
    await requestLoginLink(email, "en");
    return signInWithLink(await mailedToken(email));
  }

  it("the session cookie is httpOnly and SameSite=Lax", async () => {
    const { email } = await newOrganization();
    const response = await signIn(email);
    const setCookie = response.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/^__session=/);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
  });

  it("a tampered or foreign cookie is no session", async () => {
    const { userId } = await newOrganization();
    const cookie = await sessionCookie(userId);
    const [name, value = ""] = cookie.split("=");
    const tampered = `${name}=${value.slice(0, -3)}abc`;
    expect(await currentUser(new Request(APP, { headers: { Cookie: tampered } }))).toBeNull();
    expect(await currentUser(new Request(APP, { headers: { Cookie: "__session=garbage" } }))).toBeNull();
  });

  it("signing out ends this session only; signing out everywhere ends the others too", async () => {
    const { email, userId } = await newOrganization();
    const laptop = asCookie(await signIn(email));
    const phone = asCookie(await signIn(email));
    const tablet = asCookie(await signIn(email));
    const who = async (cookie: string) => (await currentUser(new Request(APP, { headers: { Cookie: cookie } })))?.id ?? null;
    expect([await who(laptop), await who(phone), await who(tablet)]).toEqual([userId, userId, userId]);

    const out = await logoutAction({ request: post("/logout", {}, tablet), params: {}, context: {} });
    expect(out.headers.get("Set-Cookie")).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(await who(laptop)).toBe(userId);

    const everywhere = await logoutAction({ request: post("/logout", { everywhere: "1" }, laptop), params: {}, context: {} });
    expect(everywhere.status).toBe(302);
    expect(await who(laptop)).toBeNull();
    expect(await who(phone)).toBeNull();

    // A new sign-in works again afterwards.
    expect(await who(asCookie(await signIn(email)))).toBe(userId);
  });
});

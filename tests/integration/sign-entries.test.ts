import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { formStamp } from "../../app/services/abuse.server";
import { closeAppeal } from "../../app/services/appeals.server";
import { emailLookups } from "../../app/services/data-key.server";
import { hashToken } from "../../app/utils/tokens.server";
import { getDb } from "../../db/client";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, tokenIn, unique, type Harness } from "./support/harness";

/**
 * Signing and confirming have two entries: the fast path (server/fast-paths.ts) answers a plain
 * form POST that succeeds, the Remix actions answer everything else. Both call one function
 * (app/services/sign-form.server.ts), so the same input gets the same answer and stores the same
 * thing whichever entry takes it. The Remix action is reached here as a browser with JavaScript
 * reaches it (`?_data=`) and, for signing, with a multipart form (the fast path reads only
 * url-encoded bodies).
 */
type Entry = "fast path" | "remix (?_data)" | "remix (multipart)";

interface Answer {
  status: number;
  location: string | null;
  /** The Set-Cookie header with its value blanked (it holds a time and a MAC). */
  cookie: string | null;
}

/** One answer shape for a document POST and a Remix data request (its redirect is a 204 with X-Remix-Redirect). */
async function answerOf(res: Response): Promise<Answer> {
  await res.arrayBuffer();
  const remixRedirect = res.headers.get("x-remix-redirect");
  return {
    status: remixRedirect ? Number(res.headers.get("x-remix-status")) : res.status,
    location: remixRedirect ?? res.headers.get("location"),
    cookie: res.headers.get("set-cookie")?.replace(/^([^=]+)=[^;]*/, "$1=…") ?? null,
  };
}

describe("sign and confirm answer the same through the fast path and the Remix actions", () => {
  let h: Harness;
  let owner: { organizationId: number; userId: number };
  let open: { id: number; slug: string };
  let closed: { id: number; slug: string };

  beforeAll(async () => {
    h = await startHarness();
    owner = await newOrganization("Two Entries Org");
    open = await publishedAppeal(owner, "One home for signing");
    closed = await publishedAppeal(owner, "A closed letter");
    await closeAppeal(closed.id, owner.userId);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  async function post(entry: Entry, path: string, body: URLSearchParams, routeId: string): Promise<Answer> {
    const url = `${h.url}${path}`;
    if (entry === "fast path") {
      return answerOf(
        await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body.toString(), redirect: "manual" }),
      );
    }
    if (entry === "remix (?_data)") {
      const dataUrl = `${url}${url.includes("?") ? "&" : "?"}_data=${encodeURIComponent(routeId)}`;
      return answerOf(
        await fetch(dataUrl, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body.toString(), redirect: "manual" }),
      );
    }
    const form = new FormData();
    for (const [key, value] of body) form.append(key, value);
    return answerOf(await fetch(url, { method: "POST", body: form, redirect: "manual" }));
  }

  /** What signing left for this address: its signature (or none). */
  async function storedFor(email: string) {
    const signature = await getDb()
      .selectFrom("signatures")
      .select(["status", "lang", "name", "city", "country", "disclosure", "keep_informed"])
      // Found by the keyed hash of the address: the address itself is sealed at rest.
      .where("email_key", "in", emailLookups(email))
      .executeTakeFirst();
    return signature ?? null;
  }

  const SIGN_ROUTE = "routes/appeals.$slug";
  const signEntries: Entry[] = ["fast path", "remix (?_data)", "remix (multipart)"];
  const valid = (email: string, extra: Record<string, string> = {}) =>
    new URLSearchParams(signForm({ name: "Aliya Nurova", email, keepInformed: true, extra }));

  const signCases: Array<{ name: string; path: (slug: string) => string; body: (email: string) => URLSearchParams; status: number; lang?: string }> = [
    { name: "valid, in English", path: (s) => `/appeals/${s}`, body: (e) => valid(e), status: 303, lang: "en" },
    { name: "valid, ?lang=ru", path: (s) => `/appeals/${s}?lang=ru`, body: (e) => valid(e), status: 303, lang: "ru" },
    { name: "valid, ?lang=kk", path: (s) => `/appeals/${s}?lang=kk`, body: (e) => valid(e), status: 303, lang: "kk" },
    { name: "valid, an unknown ?lang=", path: (s) => `/appeals/${s}?lang=zz`, body: (e) => valid(e), status: 303, lang: "en" },
    { name: "consent missing", path: (s) => `/appeals/${s}`, body: (e) => valid(e, { consent: "" }), status: 400 },
    { name: "an invalid address", path: (s) => `/appeals/${s}`, body: () => valid("not-an-address"), status: 400 },
    {
      name: "a field sent twice",
      path: (s) => `/appeals/${s}`,
      body: (e) => {
        const form = valid(e);
        form.append("name", "Someone Else");
        return form;
      },
      status: 400,
    },
    { name: "a form stamp two days old", path: (s) => `/appeals/${s}`, body: (e) => valid(e, { stamp: formStamp(Date.now() - 48 * 3600_000) }), status: 400 },
    { name: "the honeypot filled in", path: (s) => `/appeals/${s}`, body: (e) => valid(e, { website: "https://spam.example" }), status: 303 },
    { name: "an appeal that does not exist", path: () => `/appeals/${unique("nowhere")}`, body: (e) => valid(e), status: 404 },
    { name: "a closed appeal", path: () => `/appeals/${closed.slug}`, body: (e) => valid(e), status: 409 },
  ];

  it("the fast path's 303 is sent as it is; the page it hands to Remix (a refusal) is compressed like any other", async () => {
    const send = (body: URLSearchParams) =>
      fetch(`${h.url}/appeals/${open.slug}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Encoding": "gzip" },
        body: body.toString(),
        redirect: "manual",
      });
    const signed = await send(valid(uniqueEmail("compressed")));
    expect(signed.status).toBe(303);
    expect(signed.headers.get("content-encoding")).toBeNull();
    const refused = await send(valid("not-an-address"));
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-encoding")).toBe("gzip");
    expect(await refused.text()).toContain("</html>");
  });

  it("signing: the same status, Location and stored signature for every input", async () => {
    const sent: string[] = [];
    const refused: string[] = [];
    for (const c of signCases) {
      const results: Array<{ entry: Entry; answer: Answer; stored: Awaited<ReturnType<typeof storedFor>> }> = [];
      for (const entry of signEntries) {
        const email = uniqueEmail("entries");
        const answer = await post(entry, c.path(open.slug), c.body(email), SIGN_ROUTE);
        const stored = await storedFor(email);
        (c.lang ? sent : refused).push(email);
        results.push({ entry, answer, stored });
      }
      const [first, ...rest] = results;
      for (const r of rest) {
        expect({ case: c.name, entry: r.entry, answer: r.answer, stored: r.stored }).toEqual({
          case: c.name,
          entry: r.entry,
          answer: first?.answer,
          stored: first?.stored,
        });
      }
      expect(first?.answer.status, c.name).toBe(c.status);
      // "Check your e-mail" whatever happened to an accepted form (signed, or quietly refused as the honeypot is).
      if (c.status === 303) expect(first?.answer, c.name).toEqual({ status: 303, location: `/appeals/${open.slug}/sent`, cookie: null });
      expect(first?.stored?.lang ?? null, c.name).toBe(c.lang ?? null);
      if (c.lang) expect(first?.stored?.status, c.name).toBe("pending");
    }
    // Each signed address gets its confirmation e-mail, in the language it signed in; no other address gets one.
    for (const email of sent) {
      const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
      const lang = (await storedFor(email))?.lang;
      expect(mail.text, email).toContain(`?lang=${lang}`);
    }
    for (const email of refused) expect(h.sink.messages.filter((m) => m.to.includes(email))).toEqual([]);
  }, 120_000);

  /** Signs through the fast path; the confirmation token from the e-mail. */
  async function signed(slug: string): Promise<{ email: string; token: string }> {
    const email = uniqueEmail("entries-confirm");
    const answer = await post("fast path", `/appeals/${slug}`, valid(email), SIGN_ROUTE);
    expect(answer.status).toBe(303);
    const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
    return { email, token: tokenIn(mail.text, "confirm") };
  }

  const CONFIRM_ROUTE = "routes/s.confirm.$token";
  const confirmEntries: Entry[] = ["fast path", "remix (?_data)"];
  const confirmCases: Array<{ name: string; status: number; token: () => Promise<{ email: string | null; token: string }> }> = [
    { name: "a valid link", status: 303, token: () => signed(open.slug) },
    {
      name: "a link used already",
      status: 200,
      token: async () => {
        const s = await signed(open.slug);
        expect((await post("fast path", `/s/confirm/${s.token}`, new URLSearchParams(), CONFIRM_ROUTE)).status).toBe(303);
        return s;
      },
    },
    {
      name: "an expired link",
      status: 410,
      token: async () => {
        const s = await signed(open.slug);
        await getDb()
          .updateTable("signature_tokens")
          .set({ expires_at: new Date(Date.now() - 3600_000) })
          .where("token_hash", "=", hashToken(s.token))
          .execute();
        return s;
      },
    },
    {
      name: "a link to an appeal closed since",
      status: 410,
      token: async () => {
        const appeal = await publishedAppeal(owner, "Closed after signing");
        const s = await signed(appeal.slug);
        await closeAppeal(appeal.id, owner.userId);
        return s;
      },
    },
    { name: "a link never issued", status: 400, token: async () => ({ email: null, token: "A".repeat(43) }) },
  ];

  it("confirming: the same status, Location, cookie and stored state for every link", async () => {
    for (const c of confirmCases) {
      const results: Array<{ entry: Entry; answer: Answer; status: string | null }> = [];
      for (const entry of confirmEntries) {
        const { email, token } = await c.token();
        const answer = await post(entry, `/s/confirm/${token}`, new URLSearchParams(), CONFIRM_ROUTE);
        const status = email ? ((await storedFor(email))?.status ?? null) : null;
        results.push({
          entry,
          answer: {
            ...answer,
            location: answer.location?.replace(/\/appeals\/[^/]+\//, "/appeals/…/") ?? null,
            cookie: answer.cookie?.replace(/Path=\/appeals\/[^/]+\//, "Path=/appeals/…/") ?? null,
          },
          status,
        });
      }
      const [first, ...rest] = results;
      for (const r of rest)
        expect({ case: c.name, entry: r.entry, answer: r.answer, status: r.status }).toEqual({
          case: c.name,
          entry: r.entry,
          answer: first?.answer,
          status: first?.status,
        });
      expect(first?.answer.status, c.name).toBe(c.status);
      if (c.status === 303) {
        expect(first?.answer.location).toBe("/appeals/…/thanks");
        expect(first?.answer.cookie).toMatch(/^confirmed=…; Path=\/appeals\/…\/thanks; Max-Age=600; HttpOnly; SameSite=Lax$/);
        expect(first?.status).toBe("confirmed");
      } else {
        expect(first?.answer.cookie, c.name).toBeNull();
      }
    }
  }, 120_000);
});

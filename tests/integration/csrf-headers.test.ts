import crypto from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import "../setup/vitest-db";
import { TOKEN_GUESSES_PER_IP } from "../../app/services/abuse.server";
import { hashesMatch, hashToken } from "../../app/utils/tokens.server";
import { publishUpdate } from "../../app/services/updates.server";
import { getDb } from "../../db/client";
import { createHttpApp } from "../../server/http";
import { publishedAppeal, signForm, startHarness, tokenIn, unique, type Harness } from "./support/harness";
import { newOrganization, sessionCookie, uniqueEmail } from "../fixtures/organizers";
import { emailLookup } from "../../app/services/data-key.server";

/**
 * Forms only from this site (server/csrf.ts), the security headers on every kind of answer
 * (Remix pages, the page cache, the fast paths, token pages), body size limits, and the rate
 * limit on guessing link tokens — against the built app started as `npm start` starts it.
 */
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

async function count(table: "signatures" | "login_tokens" | "appeals" | "abuse_events"): Promise<number> {
  const row = await getDb()
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("CSRF, headers, limits", () => {
  let h: Harness;
  let owner: { organizationId: number; userId: number; email: string };
  let cookie: string;
  let appeal: { id: number; slug: string };
  let ip = 0;
  /** Each test its own client address (the app trusts X-Forwarded-For from loopback), so limits do not mix. */
  const client = () => `10.9.${Math.floor(++ip / 250)}.${ip % 250}`;

  beforeAll(async () => {
    h = await startHarness();
    owner = await newOrganization("CSRF NGO");
    cookie = await sessionCookie(owner.userId);
    appeal = await publishedAppeal(owner);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const post = (url: string, body: string, headers: Record<string, string>) =>
    fetch(`${h.url}${url}`, { method: "POST", headers: { ...FORM, "X-Forwarded-For": client(), ...headers }, body, redirect: "manual" });

  describe("cross-site requests that change state are refused, with nothing written", () => {
    const attacks: Array<[string, Record<string, string>]> = [
      ["Sec-Fetch-Site: cross-site", { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" }],
      ["Sec-Fetch-Site: cross-site without Origin", { "Sec-Fetch-Site": "cross-site" }],
      ["an Origin of another site (old browser, no Sec-Fetch-Site)", { Origin: "https://evil.example" }],
      ["same-site from a sibling subdomain", { "Sec-Fetch-Site": "same-site", Origin: "http://evil.127.0.0.1.nip.io" }],
      ["Origin: null from a sandboxed frame", { Origin: "null" }],
      ["Origin: null, cross-site", { Origin: "null", "Sec-Fetch-Site": "cross-site" }],
      ["an Origin on another port of the same host", { Origin: "http://127.0.0.1:1" }],
    ];

    it.each(attacks)("%s: the sign form (fast path)", async (_label, headers) => {
      const before = [await count("signatures"), await count("abuse_events")];
      const res = await post(`/appeals/${appeal.slug}`, signForm({ name: "Forged Name", email: uniqueEmail("forged") }), headers);
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      expect(await res.text()).toContain("This form was sent from another site");
      expect([await count("signatures"), await count("abuse_events")]).toEqual(before);
    });

    it.each(attacks)("%s: dashboard forms with a session cookie", async (_label, headers) => {
      const before = await count("appeals");
      const res = await post(
        "/dashboard?index",
        new URLSearchParams({ organizationId: String(owner.organizationId), title: "Forged", slug: unique("forged"), originalLanguage: "en" }).toString(),
        {
          Cookie: cookie,
          ...headers,
        },
      );
      expect(res.status).toBe(403);
      expect(await count("appeals")).toBe(before);
    });

    it("the sign-in form, the confirm link (fast path) and sign-out everywhere", async () => {
      const headers = { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" };
      const tokens = await count("login_tokens");
      expect((await post("/login", `email=${encodeURIComponent(owner.email)}`, headers)).status).toBe(403);
      expect(await count("login_tokens")).toBe(tokens);

      const email = uniqueEmail("victim");
      expect((await post(`/appeals/${appeal.slug}`, signForm({ name: "Victim", email }), {})).status).toBe(303);
      const mail = await h.sink.waitFor((m) => m.to.includes(email));
      const confirm = tokenIn(mail.text, "confirm");
      expect((await post(`/s/confirm/${confirm}`, "", headers)).status).toBe(403);
      const row = await getDb().selectFrom("signatures").select("status").where("email_key", "=", emailLookup(email)).executeTakeFirstOrThrow();
      expect(row.status).toBe("pending");

      const sessions = await getDb().selectFrom("sessions").select("id_hash").where("user_id", "=", owner.userId).execute();
      expect(sessions.length).toBeGreaterThan(0);
      expect((await post("/logout", "everywhere=1", { Cookie: cookie, ...headers })).status).toBe(403);
      expect(await getDb().selectFrom("sessions").select("id_hash").where("user_id", "=", owner.userId).execute()).toEqual(sessions);
    });

    it("the refusal is in the reader's language", async () => {
      const res = await post("/login", "email=a%40example.org", { "Sec-Fetch-Site": "cross-site", "Accept-Language": "ru" });
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('lang="ru"');
      expect(html).toContain("Форма отправлена с другого сайта");
    });
  });

  describe("requests from this site are accepted", () => {
    const same: Array<[string, () => Record<string, string>]> = [
      ["Origin and Sec-Fetch-Site: same-origin", () => ({ Origin: h.url, "Sec-Fetch-Site": "same-origin" })],
      ["Origin only (older browsers)", () => ({ Origin: h.url })],
      ["Origin: null with Sec-Fetch-Site: same-origin (a no-referrer page's form)", () => ({ Origin: "null", "Sec-Fetch-Site": "same-origin" })],
      ["neither header (curl, no-JS clients)", () => ({})],
    ];

    it.each(same)("%s", async (_label, headers) => {
      const email = uniqueEmail("same");
      const res = await post(`/appeals/${appeal.slug}`, signForm({ name: "Same Origin", email }), headers());
      expect(res.status).toBe(303);
      const mail = await h.sink.waitFor((m) => m.to.includes(email));
      // The confirm button's POST from its no-referrer page: through the fast path.
      expect((await post(`/s/confirm/${tokenIn(mail.text, "confirm")}`, "", headers())).status).toBe(303);
      // A dashboard form (Remix renders the answer; its own origin check must not turn it into a 500).
      const created = await post(
        "/dashboard?index",
        new URLSearchParams({ organizationId: String(owner.organizationId), title: "Mine", slug: unique("mine"), originalLanguage: "en" }).toString(),
        {
          Cookie: cookie,
          ...headers(),
        },
      );
      expect(created.status).toBe(302);
      // A failed confirmation is rendered by Remix, not the fast path.
      expect((await post(`/s/confirm/${crypto.randomBytes(32).toString("base64url")}`, "", headers())).status).toBe(400);
    });

    it("one-click unsubscribe (RFC 8058) works from a mail provider, cross-site", async () => {
      const email = uniqueEmail("oneclick");
      expect((await post(`/appeals/${appeal.slug}`, signForm({ name: "One Click", email, keepInformed: true }), {})).status).toBe(303);
      const mail = await h.sink.waitFor((m) => m.to.includes(email));
      expect((await post(`/s/confirm/${tokenIn(mail.text, "confirm")}`, "", {})).status).toBe(303);
      await publishUpdate(appeal.id, owner.userId, { kind: "update", content: { en: { title: "News", body: "Delivered." } } });
      const update = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/unsubscribe/"), 20_000);
      const res = await post(`/s/unsubscribe/${tokenIn(update.text, "unsubscribe")}`, "List-Unsubscribe=One-Click", {
        "Sec-Fetch-Site": "cross-site",
        Origin: "https://mail.example",
      });
      expect(res.status).toBe(200);
      const row = await getDb().selectFrom("signatures").select("keep_informed").where("email_key", "=", emailLookup(email)).executeTakeFirstOrThrow();
      expect(row.keep_informed).toBe(false);
    });
  });

  describe("headers", () => {
    /** `scripts`: a page rendered for this request allows its inline scripts by nonce; a public page that may be cached, by their hashes. */
    function expectSecurityHeaders(res: Response, referrer: "same-origin" | "no-referrer", scripts: "nonce" | "hashes" | "self" = "nonce", production = false) {
      const csp = res.headers.get("content-security-policy") ?? "";
      const scriptSrc =
        csp
          .split(";")
          .map((d) => d.trim())
          .find((d) => d.startsWith("script-src")) ?? "";
      if (scripts === "nonce") expect(scriptSrc).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]+'$/);
      else if (scripts === "self") expect(scriptSrc).toBe("script-src 'self'");
      else expect(scriptSrc).toMatch(/^script-src 'self'( 'sha256-[A-Za-z0-9+/]{43}=')+$/);
      expect(scriptSrc).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'self'");
      expect(csp).toContain("form-action 'self'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe(referrer);
      // Not in production (NODE_ENV=test here): see the production checks below.
      expect(res.headers.get("strict-transport-security")).toBe(production ? "max-age=31536000; includeSubDomains" : null);
    }

    it("on Remix pages, cached pages (their inline scripts allowed by hash), fast-path redirects and refusals", async () => {
      const first = await fetch(`${h.url}/appeals/${appeal.slug}`);
      expectSecurityHeaders(first, "same-origin", "hashes");
      const html = await first.text();
      // Every inline script is allowed by its hash, and nothing else is: the hashes are those of the scripts on the page.
      const allowed = new Set(
        /script-src ([^;]+)/
          .exec(first.headers.get("content-security-policy") ?? "")![1]!
          .split(" ")
          .slice(1),
      );
      const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\bsrc=/.test(m[1]!));
      expect(inline.length).toBeGreaterThan(0);
      expect(new Set(inline.map((m) => `'sha256-${crypto.createHash("sha256").update(m[2]!).digest("base64")}'`))).toEqual(allowed);
      expect(html).not.toMatch(/nonce="[^"]/);

      // A copy from the cache: the same bytes, the same policy, compressed as kept.
      const second = await fetch(`${h.url}/appeals/${appeal.slug}`, { headers: { "accept-encoding": "gzip, deflate, br" } });
      expect(second.headers.get("x-page-cache")).toBe("hit");
      expectSecurityHeaders(second, "same-origin", "hashes");
      expect(second.headers.get("content-security-policy")).toBe(first.headers.get("content-security-policy"));
      expect(second.headers.get("content-encoding")).toBe("br");
      expect(await second.text()).toBe(html);
      // Revalidation: its ETag gives a 304 with no body.
      const etag = second.headers.get("etag")!;
      const again = await fetch(`${h.url}/appeals/${appeal.slug}`, { headers: { "if-none-match": etag } });
      expect(again.status).toBe(304);

      // The same page with another query (never cached) is rendered for its request, with a nonce.
      expectSecurityHeaders(await fetch(`${h.url}/appeals/${appeal.slug}?utm=x`), "same-origin");

      const signed = await post(`/appeals/${appeal.slug}`, signForm({ name: "Header Check", email: uniqueEmail("headers") }), {});
      expect(signed.status).toBe(303);
      expectSecurityHeaders(signed, "same-origin");

      const refused = await post("/login", "email=x%40example.org", { "Sec-Fetch-Site": "cross-site" });
      expectSecurityHeaders(refused, "same-origin");

      expectSecurityHeaders(await fetch(`${h.url}/`), "same-origin", "hashes");
      for (const page of ["/login", "/privacy", "/verify", "/no/such/page"]) expectSecurityHeaders(await fetch(`${h.url}${page}`), "same-origin");
    });

    it("token pages send no Referer (GET, and the answers to their buttons)", async () => {
      const token = crypto.randomBytes(32).toString("base64url");
      for (const page of [`/s/confirm/${token}`, `/s/reject/${token}`, `/s/withdraw/${token}`, `/s/unsubscribe/${token}`, `/login/t/${token}`]) {
        const res = await fetch(`${h.url}${page}`, { headers: { "X-Forwarded-For": client() } });
        expectSecurityHeaders(res, "no-referrer");
        const html = await res.text();
        expect(html).toContain('<meta name="referrer" content="no-referrer"/>');
      }
      const email = uniqueEmail("referrer");
      await post(`/appeals/${appeal.slug}`, signForm({ name: "No Referrer", email }), {});
      const mail = await h.sink.waitFor((m) => m.to.includes(email));
      const confirmed = await post(`/s/confirm/${tokenIn(mail.text, "confirm")}`, "", {});
      expect(confirmed.status).toBe(303);
      expectSecurityHeaders(confirmed, "no-referrer");
    });

    it("HSTS in production only", async () => {
      const build = (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
      const app = createHttpApp({ build, mode: "production", logRequests: false, isProduction: true, appUrl: "https://appeals.example" });
      const server: Server = app.listen(0, "127.0.0.1");
      await new Promise((r) => server.once("listening", r));
      try {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/privacy`);
        expect(res.status).toBe(200);
        expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    it("the fast lane (a cached page, a static file in memory, answered ahead of express) sends the same headers and writes the same log line", async () => {
      const build = (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
      const app = createHttpApp({ build, mode: "production", logRequests: true, isProduction: true, appUrl: "https://appeals.example" });
      const server: Server = app.listen(0, "127.0.0.1");
      await new Promise((r) => server.once("listening", r));
      const lines: string[] = [];
      const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        for (const [url, type] of [
          [`/appeals/${appeal.slug}`, "text/html"],
          ["/favicon.ico", "image/"],
        ] as const) {
          const answers: Response[] = [];
          for (let i = 0; i < 3; i++) {
            const res = await fetch(`${base}${url}`, { headers: { "accept-encoding": "br" } });
            await res.arrayBuffer();
            answers.push(res);
          }
          // The first answer came through express (rendered, or read from disk); the last from the fast lane.
          for (const res of answers) {
            expect(res.status, url).toBe(200);
            expect(res.headers.get("content-type"), url).toContain(type);
            expectSecurityHeaders(res, "same-origin", type === "text/html" ? "hashes" : "self", true);
          }
          if (type === "text/html") expect(answers[2]!.headers.get("x-page-cache")).toBe("hit");
          await new Promise((r) => setTimeout(r, 50));
          expect(lines.filter((l) => l.startsWith(`GET ${url} 200 `)).length, url).toBe(3);
        }
      } finally {
        write.mockRestore();
        await new Promise((r) => server.close(r));
      }
    });
  });

  describe("body size limits", () => {
    it("a public form over 64 KB is a 413 page, declared or chunked; nothing is written", async () => {
      const before = await count("signatures");
      const big = signForm({ name: "x".repeat(70 * 1024), email: uniqueEmail("big") });
      const declared = await post(`/appeals/${appeal.slug}`, big, {});
      expect(declared.status).toBe(413);
      expect(await declared.text()).toContain("Too much data was sent");
      const chunked = await fetch(`${h.url}/login`, {
        method: "POST",
        headers: FORM,
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode(`email=${"a".repeat(1020)}&`));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit & { duplex: "half" });
      expect(chunked.status).toBe(413);
      expect(await count("signatures")).toBe(before);
    });

    it("a compressed body is refused (415); a long appeal text in the dashboard is not limited to 64 KB", async () => {
      const gz = await post("/login", "email=a%40example.org", { "Content-Encoding": "gzip" });
      expect(gz.status).toBe(415);
      const draft = await getDb().selectFrom("appeals").select("id").where("organization_id", "=", owner.organizationId).executeTakeFirstOrThrow();
      const body = new URLSearchParams({ title: "Длинный текст", summary: "", body: "Текст обращения. ".repeat(5000) }).toString();
      expect(body.length).toBeGreaterThan(400 * 1024);
      const saved = await post(`/dashboard/appeals/${draft.id}/text/ru`, body, { Cookie: cookie });
      expect(saved.status).toBeLessThan(413);
    });
  });

  describe("guessing link tokens", () => {
    it(`is limited to ${TOKEN_GUESSES_PER_IP} unknown tokens per IP, then 429 for every unknown token from that IP`, async () => {
      const attacker = "10.66.0.1";
      const email = uniqueEmail("guessed");
      await post(`/appeals/${appeal.slug}`, signForm({ name: "Real Link", email }), {});
      const mail = await h.sink.waitFor((m) => m.to.includes(email));
      const real = tokenIn(mail.text, "confirm");
      const guess = () => crypto.randomBytes(32).toString("base64url");
      const pages = ["/s/confirm/", "/s/reject/", "/s/withdraw/", "/s/unsubscribe/", "/login/t/"];
      for (let i = 0; i < TOKEN_GUESSES_PER_IP; i++) {
        const res = await fetch(`${h.url}${pages[i % pages.length]}${guess()}`, { method: i % 2 ? "POST" : "GET", headers: { "X-Forwarded-For": attacker } });
        expect(res.status).toBeLessThan(429);
        await res.arrayBuffer();
      }
      // The count is taken after each answer: give the last one a moment.
      await new Promise((r) => setTimeout(r, 300));
      const blocked = await fetch(`${h.url}/s/confirm/${guess()}`, { headers: { "X-Forwarded-For": attacker } });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await blocked.text()).toContain("Too many attempts");
      expect((await fetch(`${h.url}/login/t/${guess()}`, { headers: { "X-Forwarded-For": attacker } })).status).toBe(429);
      // Someone else is not affected; and a real link still works for its owner, even behind the
      // guesser's address (issue 11: people sharing an address are not locked out of their links).
      expect((await fetch(`${h.url}/s/confirm/${real}`, { headers: { "X-Forwarded-For": "10.66.0.2" } })).status).toBe(200);
      expect((await fetch(`${h.url}/s/confirm/${real}`, { method: "POST", headers: { "X-Forwarded-For": attacker }, redirect: "manual" })).status).toBe(303);
    });

    it("opening real links, even many times, is not counted as guessing", async () => {
      const reader = "10.67.0.1";
      const email = uniqueEmail("reader");
      await post(`/appeals/${appeal.slug}`, signForm({ name: "Reader", email }), {});
      const mail = await h.sink.waitFor((m) => m.to.includes(email));
      for (let i = 0; i < TOKEN_GUESSES_PER_IP + 5; i++) {
        const res = await fetch(`${h.url}/s/withdraw/${tokenIn(mail.text, "withdraw")}`, { headers: { "X-Forwarded-For": reader } });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    });

    it("tokens are compared by hash in constant time; a near miss takes as long as a random guess", async () => {
      const stored = hashToken("a".repeat(43));
      expect(hashesMatch(stored, hashToken("a".repeat(43)))).toBe(true);
      expect(hashesMatch(stored, hashToken(`${"a".repeat(42)}b`))).toBe(false);
      expect(hashesMatch(stored, Buffer.alloc(5))).toBe(false);

      // The lookup is by SHA-256 of the token, so how close a guess is cannot show in the time.
      const email = uniqueEmail("timing");
      await post(`/appeals/${appeal.slug}`, signForm({ name: "Timing", email }), {});
      const real = tokenIn((await h.sink.waitFor((m) => m.to.includes(email))).text, "confirm");
      const near = () => `${real.slice(0, 42)}${real.endsWith("A") ? "B" : "A"}`;
      const random = () => crypto.randomBytes(32).toString("base64url");
      const time = async (token: string) => {
        const started = performance.now();
        const res = await fetch(`${h.url}/s/confirm/${token}`, { headers: { "X-Forwarded-For": client() } });
        await res.arrayBuffer();
        return performance.now() - started;
      };
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      const nearTimes: number[] = [];
      const randomTimes: number[] = [];
      for (let i = 0; i < 20; i++) {
        nearTimes.push(await time(near()));
        randomTimes.push(await time(random()));
      }
      // Generous: the machine is shared; a real leak would be systematic, this only catches gross ones.
      expect(Math.abs(median(nearTimes) - median(randomTimes))).toBeLessThan(Math.max(15, median(randomTimes)));
    });
  });
});

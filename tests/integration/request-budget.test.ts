import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { REQUEST_BUDGETS } from "../../app/services/abuse.server";
import { HOLD_PER_CLIENT } from "../../server/refusal-hold";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, startHarness, type Harness } from "./support/harness";

/**
 * Issue 11, figures: one client flooding a costly request is refused cheaply once past its
 * budget — a plain 429 page in its language, before any render, parse or query — while other
 * clients, and the same client's cached pages, are served as before (server/request-budget.ts).
 */
const LOGIN_PER_CLIENT = 5;

describe("request budgets", () => {
  let h: Harness;
  let appeal: { id: number; slug: string };

  beforeAll(async () => {
    h = await startHarness({ LOGIN_LIMIT_PER_IP: String(LOGIN_PER_CLIENT) });
    appeal = await publishedAppeal(await newOrganization("Budget NGO"));
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const get = async (path: string, client: string) => {
    const res = await fetch(`${h.url}${path}`, { headers: { "X-Forwarded-For": client, "Accept-Language": "ru" }, redirect: "manual" });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
  };

  it("pages of the public list past the newest: the client past its budget gets a plain 429 in its language; others, and its newest page, are served", async () => {
    const flooder = "198.51.100.20";
    const page = `/appeals/${appeal.slug}?after=AAAA`; // a cursor (a bad one is the newest page)
    const { points } = REQUEST_BUDGETS.listPages;
    for (let i = 0; i < points; i++) expect((await get(page, flooder)).status).toBe(200);
    const refused = await get(page, flooder);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body).toContain("Слишком много запросов");
    expect(refused.body).not.toContain("<form");
    expect((await get(page, "198.51.100.21")).status).toBe(200);
    expect((await get(`/appeals/${appeal.slug}`, flooder)).status).toBe(200);
  }, 120_000);

  it("/verify uploads: past the budget, refused before the body is read", async () => {
    const flooder = "198.51.100.30";
    const upload = () =>
      fetch(`${h.url}/verify/ABCD-EFGH-JKLM`, {
        method: "POST",
        headers: { "X-Forwarded-For": flooder, "Content-Type": "multipart/form-data; boundary=x" },
        body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
        redirect: "manual",
      }).then(async (r) => (await r.arrayBuffer(), r.status));
    const { points } = REQUEST_BUDGETS.verifyUploads;
    for (let i = 0; i < points; i++) expect(await upload()).toBeLessThan(429);
    expect(await upload()).toBe(429);
  }, 120_000);

  it("signed revocation lists (/verify/<code>/revocations, .p7s): one budget for both; past it, a plain 429; others served", async () => {
    const flooder = "198.51.100.35";
    const { points } = REQUEST_BUDGETS.revocationLists;
    for (let i = 0; i < points; i++) expect((await get(`/verify/ZZZZ-ZZZZ-ZZZZ/revocations${i % 2 ? ".p7s" : ""}`, flooder)).status).toBe(404);
    const refused = await get("/verify/ZZZZ-ZZZZ-ZZZZ/revocations.p7s", flooder);
    expect(refused.status).toBe(429);
    expect(refused.body).toContain("Слишком много запросов");
    expect((await get("/verify/ZZZZ-ZZZZ-ZZZZ/revocations", flooder)).status).toBe(429);
    expect((await get("/verify/ZZZZ-ZZZZ-ZZZZ/revocations", "198.51.100.36")).status).toBe(404);
  }, 120_000);

  it("sign-in: the first refusal is the form with the reason; the next ones are the plain page, no render", async () => {
    const client = "198.51.100.40";
    const login = () =>
      fetch(`${h.url}/login?lang=en`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": client },
        body: `email=${encodeURIComponent(uniqueEmail("budget"))}`,
        redirect: "manual",
      }).then(async (r) => ({ status: r.status, body: await r.text() }));
    for (let i = 0; i < LOGIN_PER_CLIENT; i++) expect((await login()).status).toBeLessThan(429);
    const first = await login();
    expect(first.status).toBe(429);
    expect(first.body).toContain("<form");
    const next = await login();
    expect(next.status).toBe(429);
    expect(next.body).not.toContain("<form");
    expect(next.body).toContain("Too many sign-in requests");
  }, 120_000);

  it("a flood past its budget is answered slowly: refusals wait REFUSAL_HOLD_MS (1 s), at most 16 held per client, the rest at once with the connection closed; others are served meanwhile", async () => {
    const flooder = "198.51.100.50";
    const page = `/appeals/${appeal.slug}?after=AAAA`;
    const { points } = REQUEST_BUDGETS.listPages;
    for (let i = 0; i < points; i++) expect((await get(page, flooder)).status).toBe(200);
    const url = new URL(h.url);
    // Each request on its own connection, as a flood over many connections sends them.
    const ask = (client: string, path: string) =>
      new Promise<{ status: number; connection: string | undefined; at: number }>((resolve, reject) => {
        const req = http.get({ host: url.hostname, port: url.port, path, agent: false, headers: { "X-Forwarded-For": client } }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, at: performance.now() }));
        });
        req.on("error", reject);
      });
    const start = performance.now();
    const extra = 8;
    const flood = Promise.all(Array.from({ length: HOLD_PER_CLIENT + extra }, () => ask(flooder, page)));
    // Someone else, asking while the flood's refusals are held, is answered before them.
    const other = await ask("198.51.100.51", `/appeals/${appeal.slug}`);
    const answers = await flood;
    expect(other.status).toBe(200);
    expect(answers.map((a) => a.status).filter((s) => s !== 429)).toEqual([]);
    const held = answers.filter((a) => a.at - start >= 900);
    expect(held).toHaveLength(HOLD_PER_CLIENT);
    expect(other.at).toBeLessThan(Math.min(...held.map((a) => a.at)));
    // Past the per-client bound: refused at once, and the connection closed.
    const atOnce = answers.filter((a) => a.at - start < 900);
    expect(atOnce).toHaveLength(extra);
    for (const a of atOnce) expect(a.connection).toBe("close");
  }, 120_000);
});

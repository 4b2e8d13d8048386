import { readdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { seedWorld, startHarness, type Harness, type World } from "./support/harness";
import { expectRowPerRoute } from "./support/routes";

/**
 * Every address × every method (server/methods.ts): never a 5xx; each address answers exactly the
 * methods it lists in `Allow` — the same list on its 405s and its OPTIONS — and refuses the rest
 * with 405. One row per route module in app/routes (a new route without a row fails), with its
 * parameters filled from seeded data, plus the server's own addresses and static files.
 */
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"] as const;
const READ = ["GET", "HEAD", "OPTIONS"];
const READ_WRITE = ["GET", "HEAD", "POST", "OPTIONS"];
const WRITE = ["POST", "OPTIONS"];

interface Row {
  /** A route module in app/routes, or a label for an address outside Remix. */
  route: string;
  url: (w: World) => string;
  allow: string[];
}

const ROWS: Row[] = [
  { route: "$", url: () => "/no/such/page", allow: READ },
  { route: "_index", url: () => "/", allow: READ },
  { route: "privacy", url: () => "/privacy", allow: READ },
  { route: "api.appeals.$slug", url: (w) => `/api/appeals/${w.published.slug}`, allow: READ },
  { route: "appeals.$slug", url: (w) => `/appeals/${w.published.slug}`, allow: READ_WRITE },
  { route: "appeals.$slug.attachments.$id", url: (w) => `/appeals/${w.published.slug}/attachments/${w.published.attachmentId}`, allow: READ },
  { route: "appeals.$slug_.badge[.]svg", url: (w) => `/appeals/${w.published.slug}/badge.svg`, allow: READ },
  { route: "appeals.$slug_.embed", url: (w) => `/appeals/${w.published.slug}/embed`, allow: READ },
  { route: "appeals.$slug_.og[.]png", url: (w) => `/appeals/${w.published.slug}/og.png`, allow: READ },
  { route: "appeals.$slug_.poster[.]pdf", url: (w) => `/appeals/${w.published.slug}/poster.pdf`, allow: READ },
  { route: "appeals.$slug.updates[.]atom", url: (w) => `/appeals/${w.published.slug}/updates.atom`, allow: READ },
  { route: "sitemap[.]xml", url: () => "/sitemap.xml", allow: READ },
  { route: "robots[.]txt", url: () => "/robots.txt", allow: READ },
  { route: "appeals.$slug_.revisions._index", url: (w) => `/appeals/${w.published.slug}/revisions`, allow: READ },
  { route: "appeals.$slug_.revisions.$n", url: (w) => `/appeals/${w.published.slug}/revisions/1`, allow: READ },
  { route: "appeals.$slug_.sent", url: (w) => `/appeals/${w.published.slug}/sent`, allow: READ },
  { route: "appeals.$slug_.thanks", url: (w) => `/appeals/${w.published.slug}/thanks`, allow: READ_WRITE },
  // Without ?index a form post goes to the layout route (no action); with it, to the index route.
  { route: "dashboard", url: () => "/dashboard", allow: READ },
  { route: "dashboard._index", url: () => "/dashboard?index", allow: READ_WRITE },
  { route: "dashboard.appeals.$id", url: (w) => `/dashboard/appeals/${w.draft.id}`, allow: READ },
  { route: "dashboard.appeals.$id._index", url: (w) => `/dashboard/appeals/${w.draft.id}?index`, allow: READ_WRITE },
  { route: "dashboard.appeals.$id.addressees", url: (w) => `/dashboard/appeals/${w.draft.id}/addressees`, allow: READ_WRITE },
  { route: "dashboard.appeals.$id.attachments", url: (w) => `/dashboard/appeals/${w.draft.id}/attachments`, allow: READ_WRITE },
  // The CSV releases data: only a form's POST (behind the CSRF check), never a GET.
  { route: "dashboard.appeals.$id.export[.]csv", url: (w) => `/dashboard/appeals/${w.published.id}/export.csv`, allow: WRITE },
  { route: "dashboard.appeals.$id.letters", url: (w) => `/dashboard/appeals/${w.published.id}/letters`, allow: READ_WRITE },
  { route: "dashboard.appeals.$id.letters.$letterId[.]pdf", url: (w) => `/dashboard/appeals/${w.published.id}/letters/${w.letter.id}.pdf`, allow: READ },
  { route: "dashboard.appeals.$id.letters[.]zip", url: (w) => `/dashboard/appeals/${w.published.id}/letters.zip?ids=${w.letter.id}`, allow: READ },
  { route: "dashboard.appeals.$id.paper", url: (w) => `/dashboard/appeals/${w.published.id}/paper`, allow: READ_WRITE },
  { route: "dashboard.appeals.$id.preview", url: (w) => `/dashboard/appeals/${w.draft.id}/preview`, allow: READ },
  { route: "dashboard.appeals.$id.sheet.$lang[.]pdf", url: (w) => `/dashboard/appeals/${w.published.id}/sheet/en.pdf`, allow: READ },
  { route: "dashboard.appeals.$id.settings", url: (w) => `/dashboard/appeals/${w.draft.id}/settings`, allow: READ_WRITE },
  { route: "dashboard.appeals.$id.signatures", url: (w) => `/dashboard/appeals/${w.published.id}/signatures`, allow: READ_WRITE },
  { route: "dashboard.appeals.$id.text.$lang", url: (w) => `/dashboard/appeals/${w.draft.id}/text/en`, allow: READ_WRITE },
  { route: "dashboard.appeals.$id.updates", url: (w) => `/dashboard/appeals/${w.published.id}/updates`, allow: READ_WRITE },
  { route: "dashboard.appeals.$id.responses", url: (w) => `/dashboard/appeals/${w.published.id}/responses`, allow: READ_WRITE },
  { route: "dashboard.orgs.$orgId", url: (w) => `/dashboard/orgs/${w.owner.organizationId}`, allow: READ_WRITE },
  { route: "dev.mailbox", url: () => "/dev/mailbox", allow: READ },
  { route: "dev.mailbox.$id", url: () => "/dev/mailbox/1", allow: READ },
  { route: "letters.$code[.]pdf", url: (w) => `/letters/${w.letter.code}.pdf?sig=${w.letter.sig}`, allow: READ },
  { route: "login", url: () => "/login", allow: READ_WRITE },
  { route: "login_.t.$token", url: (w) => `/login/t/${w.loginToken}`, allow: READ_WRITE },
  { route: "logout", url: () => "/logout", allow: READ_WRITE },
  // ORG_REGISTRATION=open in this file (closed, the default, answers 404: tests/integration/register.test.ts).
  { route: "register", url: () => "/register", allow: READ_WRITE },
  { route: "register_.t.$token", url: () => `/register/t/${"A".repeat(43)}`, allow: READ_WRITE },
  { route: "my-data", url: () => "/my-data", allow: READ_WRITE },
  { route: "s.confirm.$token", url: (w) => `/s/confirm/${w.signer.confirm}`, allow: READ_WRITE },
  { route: "s.reject.$token", url: (w) => `/s/reject/${w.signer.reject}`, allow: READ_WRITE },
  { route: "s.unsubscribe.$token", url: (w) => `/s/unsubscribe/${w.signer.unsubscribe}`, allow: READ_WRITE },
  { route: "s.withdraw.$token", url: (w) => `/s/withdraw/${w.signer.withdraw}`, allow: READ_WRITE },
  { route: "verify._index", url: () => "/verify", allow: READ },
  { route: "verify.$code", url: (w) => `/verify/${w.letter.code}`, allow: READ_WRITE },
  { route: "verify.$code_.json", url: (w) => `/verify/${w.letter.code}/json`, allow: READ },
  { route: "verify.$code_.revocations", url: (w) => `/verify/${w.letter.code}/revocations`, allow: READ },
  { route: "verify.$code_.revocations[.p7s]", url: (w) => `/verify/${w.letter.code}/revocations.p7s`, allow: READ },
];

/** Addresses outside Remix: the server's health check and files from public/. */
const OTHER: Row[] = [
  { route: "(healthz)", url: () => "/healthz", allow: READ },
  { route: "(static file)", url: () => "/app.css", allow: READ },
  { route: "(static icon)", url: () => "/favicon.svg", allow: READ },
  // Remix's browser runtime names the route it wants (?_data=): its loader and its action decide.
  { route: "(data request, layout)", url: (w) => `/dashboard/appeals/${w.draft.id}?_data=${encodeURIComponent("routes/dashboard.appeals.$id")}`, allow: READ },
  {
    route: "(data request, index)",
    url: (w) => `/dashboard/appeals/${w.draft.id}?_data=${encodeURIComponent("routes/dashboard.appeals.$id._index")}`,
    allow: READ_WRITE,
  },
  { route: "(build asset)", url: () => `/build/${readdirSync(path.resolve("public/build")).find((f) => /^entry\.client-.*\.js$/.test(f))}`, allow: READ },
];

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http, not fetch: fetch refuses to send TRACE at all. */
function send(base: string, method: string, url: string, headers: Record<string, string>): Promise<Answer> {
  const body = method === "GET" || method === "HEAD" || method === "OPTIONS" || method === "TRACE" ? undefined : "";
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${url}`,
      { method, headers: { ...headers, ...(body === undefined ? {} : { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "0" }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const set = (list: string | undefined) =>
  (list ?? "")
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean)
    .sort()
    .join(", ");

describe("method matrix", () => {
  let h: Harness;
  let w: World;

  beforeAll(async () => {
    // Not production: the developer mailbox (dev.mailbox*) is live here, and answers too.
    h = await startHarness({ ORG_REGISTRATION: "open" });
    w = await seedWorld(h);
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  });

  it("has a row for every route module, and no row for a route that does not exist", () => {
    expectRowPerRoute(ROWS);
  });

  for (const visitor of ["anonymous", "owner"] as const) {
    it(`${visitor}: every method on every address: no 5xx, 405 with the exact Allow, OPTIONS with the same`, async () => {
      const problems: string[] = [];
      let n = 0;
      for (const row of [...ROWS, ...OTHER]) {
        const url = row.url(w);
        const want = set(row.allow.join(","));
        const answered: string[] = [];
        for (const method of METHODS) {
          const headers: Record<string, string> = { "X-Forwarded-For": `10.1.${visitor === "owner" ? 1 : 0}.${n++ % 250}` };
          if (visitor === "owner") headers.Cookie = w.owner.cookie;
          const res = await send(h.url, method, url, headers);
          const where = `${method} ${url} (${row.route})`;
          if (res.status >= 500) problems.push(`${where}: ${res.status}`);
          if (res.status !== 405) answered.push(method);
          if (res.status === 405 && set(String(res.headers.allow ?? "")) !== want)
            problems.push(`${where}: 405 with Allow "${res.headers.allow ?? ""}", expected "${want}"`);
          if (method === "OPTIONS" && (res.status !== 204 || set(String(res.headers.allow ?? "")) !== want))
            problems.push(`${where}: ${res.status} with Allow "${res.headers.allow ?? ""}", expected 204 with "${want}"`);
        }
        if (set(answered.join(",")) !== want) problems.push(`${url} (${row.route}) answers ${set(answered.join(","))}, expected ${want}`);
      }
      expect(problems).toEqual([]);
    }, 180_000);
  }

  it("a 405 is a page in the reader's language, with the security headers", async () => {
    const res = await send(h.url, "TRACE", "/", { "Accept-Language": "ru" });
    expect(res.status).toBe(405);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toContain('lang="ru"');
    expect(res.body).toContain("Этот адрес не принимает такой запрос");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    const en = await send(h.url, "PUT", `/appeals/${w.published.slug}`, { "Accept-Language": "en" });
    expect(en.status).toBe(405);
    expect(en.body).toContain("This address does not accept that request");
  });

  it("the JSON API keeps its CORS headers on its preflight and its 405s, and takes no writes", async () => {
    const url = `/api/appeals/${w.published.slug}`;
    const preflight = await send(h.url, "OPTIONS", url, { Origin: "https://embed.example", "Access-Control-Request-Method": "GET" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("*");
    expect(set(String(preflight.headers["access-control-allow-methods"]))).toBe(set("GET, HEAD, OPTIONS"));
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await send(h.url, method, url, { Origin: "https://embed.example" });
      expect(res.status, method).toBe(405);
      expect(res.headers["access-control-allow-origin"]).toBe("*");
    }
    const read = await send(h.url, "GET", url, { Origin: "https://embed.example" });
    expect(read.status).toBe(200);
    expect(read.headers["access-control-allow-origin"]).toBe("*");
  });
});

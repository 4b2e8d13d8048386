import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { seedWorld, startHarness, unique, type Harness, type World } from "./support/harness";
import { expectRowPerRoute } from "./support/routes";

/**
 * Who may open what: every route module in app/routes, with a concrete URL built from seeded
 * data (a published appeal, a draft, their attachments, a letter, a signer's links), and the
 * status each kind of visitor gets, against the built app in production mode.
 *
 * A signer has no account: what they hold are the links from their e-mails, and their requests
 * carry no session. The columns: anonymous, signer, editor of another organization, editor,
 * owner. A route file without a row fails the test.
 */
const ROLES = ["anonymous", "signer", "otherEditor", "editor", "owner"] as const;
type Role = (typeof ROLES)[number];
type Expect = [anonymous: number, signer: number, otherEditor: number, editor: number, owner: number];

interface Row {
  route: string;
  method: "GET" | "POST";
  url: (w: World) => string;
  body?: (w: World, role: Role) => URLSearchParams | FormData;
  expect: Expect;
}

const all = (status: number): Expect => [status, status, status, status, status];
/** Organizer pages: strangers are sent to sign in, another organization's editor is refused. */
const members = (status = 200): Expect => [302, 302, 403, status, status];
const form = (fields: Record<string, string>) => () => new URLSearchParams(fields);
const multipart = (fields: Record<string, string>) => () => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  return data;
};
const unknownToken = () => crypto.randomBytes(32).toString("base64url");

const ROWS: Row[] = [
  { route: "$", method: "GET", url: () => "/no/such/page", expect: all(404) },
  { route: "_index", method: "GET", url: () => "/", expect: all(200) },
  { route: "privacy", method: "GET", url: () => "/privacy", expect: all(200) },

  { route: "api.appeals.$slug", method: "GET", url: (w) => `/api/appeals/${w.published.slug}`, expect: all(200) },
  { route: "api.appeals.$slug", method: "GET", url: (w) => `/api/appeals/${w.draft.slug}`, expect: all(404) },
  // Read only: a write is refused (405, server/methods.ts), never answered with a success.
  { route: "api.appeals.$slug", method: "POST", url: (w) => `/api/appeals/${w.published.slug}`, body: form({}), expect: all(405) },

  { route: "appeals.$slug", method: "GET", url: (w) => `/appeals/${w.published.slug}`, expect: all(200) },
  { route: "appeals.$slug", method: "GET", url: (w) => `/appeals/${w.draft.slug}`, expect: all(404) },
  { route: "appeals.$slug", method: "POST", url: (w) => `/appeals/${w.published.slug}`, body: form({ name: "", email: "not-an-address" }), expect: all(400) },
  { route: "appeals.$slug", method: "POST", url: (w) => `/appeals/${w.draft.slug}`, body: form({ name: "", email: "not-an-address" }), expect: all(404) },
  {
    route: "appeals.$slug.attachments.$id",
    method: "GET",
    url: (w) => `/appeals/${w.published.slug}/attachments/${w.published.attachmentId}`,
    expect: all(200),
  },
  // A draft's document: only its organization; to anyone else it does not exist.
  {
    route: "appeals.$slug.attachments.$id",
    method: "GET",
    url: (w) => `/appeals/${w.draft.slug}/attachments/${w.draft.attachmentId}`,
    expect: [404, 404, 404, 200, 200],
  },
  { route: "appeals.$slug.attachments.$id", method: "GET", url: (w) => `/appeals/${w.published.slug}/attachments/${w.draft.attachmentId}`, expect: all(404) },
  // Spreading (issue 17): public for a published appeal, nothing of a draft, to anyone.
  { route: "appeals.$slug_.badge[.]svg", method: "GET", url: (w) => `/appeals/${w.published.slug}/badge.svg`, expect: all(200) },
  { route: "appeals.$slug_.badge[.]svg", method: "GET", url: (w) => `/appeals/${w.draft.slug}/badge.svg`, expect: all(404) },
  { route: "appeals.$slug_.embed", method: "GET", url: (w) => `/appeals/${w.published.slug}/embed`, expect: all(200) },
  { route: "appeals.$slug_.embed", method: "GET", url: (w) => `/appeals/${w.draft.slug}/embed`, expect: all(404) },
  { route: "appeals.$slug_.og[.]png", method: "GET", url: (w) => `/appeals/${w.published.slug}/og.png`, expect: all(200) },
  { route: "appeals.$slug_.og[.]png", method: "GET", url: (w) => `/appeals/${w.draft.slug}/og.png`, expect: all(404) },
  { route: "appeals.$slug_.poster[.]pdf", method: "GET", url: (w) => `/appeals/${w.published.slug}/poster.pdf`, expect: all(200) },
  { route: "appeals.$slug_.poster[.]pdf", method: "GET", url: (w) => `/appeals/${w.draft.slug}/poster.pdf`, expect: all(404) },
  // Issue 17 item 7: the updates feed of a public appeal (none of a draft), the sitemap, robots.txt.
  { route: "appeals.$slug.updates[.]atom", method: "GET", url: (w) => `/appeals/${w.published.slug}/updates.atom`, expect: all(200) },
  { route: "appeals.$slug.updates[.]atom", method: "GET", url: (w) => `/appeals/${w.draft.slug}/updates.atom`, expect: all(404) },
  { route: "sitemap[.]xml", method: "GET", url: () => "/sitemap.xml", expect: all(200) },
  { route: "robots[.]txt", method: "GET", url: () => "/robots.txt", expect: all(200) },
  { route: "appeals.$slug_.sent", method: "GET", url: (w) => `/appeals/${w.published.slug}/sent`, expect: all(200) },
  // Issue 17 item 5: the published revisions of a public appeal, to anyone; nothing of a draft, not even to its organizers.
  { route: "appeals.$slug_.revisions._index", method: "GET", url: (w) => `/appeals/${w.published.slug}/revisions`, expect: all(200) },
  { route: "appeals.$slug_.revisions._index", method: "GET", url: (w) => `/appeals/${w.draft.slug}/revisions`, expect: all(404) },
  { route: "appeals.$slug_.revisions.$n", method: "GET", url: (w) => `/appeals/${w.published.slug}/revisions/1`, expect: all(200) },
  { route: "appeals.$slug_.revisions.$n", method: "GET", url: (w) => `/appeals/${w.published.slug}/revisions/2`, expect: all(404) },
  { route: "appeals.$slug_.revisions.$n", method: "GET", url: (w) => `/appeals/${w.draft.slug}/revisions/1`, expect: all(404) },
  { route: "appeals.$slug_.thanks", method: "GET", url: (w) => `/appeals/${w.published.slug}/thanks`, expect: all(200) },
  { route: "appeals.$slug_.thanks", method: "GET", url: (w) => `/appeals/${w.draft.slug}/thanks`, expect: all(404) },
  // Asking for a receipt takes the confirming browser's receipt token (its thanks cookie): nobody else gets one.
  { route: "appeals.$slug_.thanks", method: "POST", url: (w) => `/appeals/${w.published.slug}/thanks`, body: form({ _intent: "receipt" }), expect: all(410) },
  { route: "appeals.$slug_.thanks", method: "POST", url: (w) => `/appeals/${w.draft.slug}/thanks`, body: form({ _intent: "receipt" }), expect: all(404) },

  { route: "dashboard", method: "GET", url: () => "/dashboard", expect: [302, 302, 200, 200, 200] },
  { route: "dashboard._index", method: "GET", url: () => "/dashboard", expect: [302, 302, 200, 200, 200] },
  {
    route: "dashboard._index",
    method: "POST",
    // Index routes take their form posts with ?index, as Remix's <Form> sends them.
    url: () => "/dashboard?index",
    body: (w) => new URLSearchParams({ organizationId: String(w.owner.organizationId), title: "New", slug: unique("new"), originalLanguage: "en" }),
    expect: members(302),
  },
  { route: "dashboard.appeals.$id", method: "GET", url: (w) => `/dashboard/appeals/${w.draft.id}`, expect: members() },
  { route: "dashboard.appeals.$id", method: "GET", url: () => `/dashboard/appeals/999999999`, expect: [302, 302, 404, 404, 404] },
  { route: "dashboard.appeals.$id._index", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}`, expect: members() },
  {
    route: "dashboard.appeals.$id._index",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.draft.id}?index`,
    body: form({ _intent: "addLanguage", lang: "de" }),
    expect: members(302),
  },
  { route: "dashboard.appeals.$id.addressees", method: "GET", url: (w) => `/dashboard/appeals/${w.draft.id}/addressees`, expect: members() },
  {
    route: "dashboard.appeals.$id.addressees",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.draft.id}/addressees`,
    body: form({ _intent: "add", "name.en": "A Minister" }),
    expect: members(),
  },
  { route: "dashboard.appeals.$id.attachments", method: "GET", url: (w) => `/dashboard/appeals/${w.draft.id}/attachments`, expect: members() },
  {
    route: "dashboard.appeals.$id.attachments",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.draft.id}/attachments`,
    body: multipart({ _intent: "remove", attachmentId: "999999999" }),
    expect: members(404),
  },
  {
    route: "dashboard.appeals.$id.export[.]csv",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/export.csv`,
    body: form({ purpose: "Audit" }),
    expect: members(),
  },
  // A GET releases nothing, to anyone (a link on another site cannot start an export).
  { route: "dashboard.appeals.$id.export[.]csv", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/export.csv?purpose=Audit`, expect: all(405) },
  { route: "dashboard.appeals.$id.letters", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/letters`, expect: members() },
  {
    route: "dashboard.appeals.$id.letters",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/letters`,
    body: form({ lang: "xx" }),
    expect: members(400),
  },
  {
    route: "dashboard.appeals.$id.letters.$letterId[.]pdf",
    method: "GET",
    url: (w) => `/dashboard/appeals/${w.published.id}/letters/${w.letter.id}.pdf`,
    expect: members(),
  },
  // Another appeal's letter through this appeal's address: not found, even to its organizers.
  {
    route: "dashboard.appeals.$id.letters.$letterId[.]pdf",
    method: "GET",
    url: (w) => `/dashboard/appeals/${w.draft.id}/letters/${w.letter.id}.pdf`,
    expect: members(404),
  },
  {
    route: "dashboard.appeals.$id.letters[.]zip",
    method: "GET",
    url: (w) => `/dashboard/appeals/${w.published.id}/letters.zip?ids=${w.letter.id}`,
    expect: members(),
  },
  // Issue 17 item 3: paper signatures (a draft takes none: 400), the printable sheet.
  { route: "dashboard.appeals.$id.paper", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/paper`, expect: members() },
  { route: "dashboard.appeals.$id.paper", method: "GET", url: (w) => `/dashboard/appeals/${w.draft.id}/paper`, expect: members(400) },
  {
    route: "dashboard.appeals.$id.paper",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/paper`,
    body: form({ _intent: "add", name: "Paper Signer" }),
    expect: members(),
  },
  {
    route: "dashboard.appeals.$id.paper",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/paper`,
    body: multipart({ _intent: "check" }),
    expect: members(400),
  },
  { route: "dashboard.appeals.$id.sheet.$lang[.]pdf", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/sheet/en.pdf`, expect: members() },
  { route: "dashboard.appeals.$id.sheet.$lang[.]pdf", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/sheet/xx.pdf`, expect: members(404) },
  { route: "dashboard.appeals.$id.preview", method: "GET", url: (w) => `/dashboard/appeals/${w.draft.id}/preview`, expect: members() },
  { route: "dashboard.appeals.$id.settings", method: "GET", url: (w) => `/dashboard/appeals/${w.draft.id}/settings`, expect: members() },
  {
    route: "dashboard.appeals.$id.settings",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.draft.id}/settings`,
    body: form({ field_city: "optional", field_country: "off", field_organization: "off", field_position: "off" }),
    expect: members(),
  },
  { route: "dashboard.appeals.$id.signatures", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/signatures`, expect: members() },
  {
    route: "dashboard.appeals.$id.signatures",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/signatures`,
    body: form({ _intent: "hide", signatureId: "999999999" }),
    expect: members(404),
  },
  // Issue 17 item 4: search by part of a name or city (GET ?q=, or a POST redirected there), by address (POST, owners only).
  { route: "dashboard.appeals.$id.signatures", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/signatures?q=a`, expect: members() },
  {
    route: "dashboard.appeals.$id.signatures",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/signatures`,
    body: form({ _intent: "search", q: "Some Name" }),
    expect: [302, 302, 403, 303, 303],
  },
  {
    route: "dashboard.appeals.$id.signatures",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/signatures`,
    body: form({ _intent: "search", q: "someone@example.org" }),
    expect: [302, 302, 403, 400, 200],
  },
  { route: "dashboard.appeals.$id.text.$lang", method: "GET", url: (w) => `/dashboard/appeals/${w.draft.id}/text/en`, expect: members() },
  {
    route: "dashboard.appeals.$id.text.$lang",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.draft.id}/text/en`,
    body: form({ title: "A draft", summary: "", body: "Still not yet." }),
    expect: members(),
  },
  { route: "dashboard.appeals.$id.updates", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/updates`, expect: members() },
  {
    route: "dashboard.appeals.$id.updates",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/updates`,
    body: form({ kind: "bogus" }),
    expect: members(400),
  },
  // Issue 17 item 8: recording an addressee's response (members of the appeal's organization only).
  { route: "dashboard.appeals.$id.responses", method: "GET", url: (w) => `/dashboard/appeals/${w.published.id}/responses`, expect: members() },
  {
    route: "dashboard.appeals.$id.responses",
    method: "POST",
    url: (w) => `/dashboard/appeals/${w.published.id}/responses`,
    body: form({ addressee: "bogus", receivedOn: "2026-12-01", "body.en": "Answered." }),
    expect: members(400),
  },
  { route: "dashboard.orgs.$orgId", method: "GET", url: (w) => `/dashboard/orgs/${w.owner.organizationId}`, expect: members() },
  // Membership changes: owners only.
  {
    route: "dashboard.orgs.$orgId",
    method: "POST",
    url: (w) => `/dashboard/orgs/${w.owner.organizationId}`,
    body: form({ _intent: "remove", userId: "999999999" }),
    expect: [302, 302, 403, 403, 200],
  },

  // The developer mailbox does not exist in production.
  { route: "dev.mailbox", method: "GET", url: () => "/dev/mailbox", expect: all(404) },
  { route: "dev.mailbox.$id", method: "GET", url: () => "/dev/mailbox/1", expect: all(404) },

  { route: "letters.$code[.]pdf", method: "GET", url: (w) => `/letters/${w.letter.code}.pdf?sig=${w.letter.sig}`, expect: all(200) },
  { route: "letters.$code[.]pdf", method: "GET", url: (w) => `/letters/${w.letter.code}.pdf?sig=${"A".repeat(32)}`, expect: all(404) },
  { route: "verify._index", method: "GET", url: () => "/verify", expect: all(200) },
  { route: "verify._index", method: "GET", url: (w) => `/verify?code=${w.letter.code}`, expect: all(302) },
  { route: "verify.$code", method: "GET", url: (w) => `/verify/${w.letter.code}`, expect: all(200) },
  { route: "verify.$code", method: "POST", url: (w) => `/verify/${w.letter.code}`, body: multipart({}), expect: all(400) },
  {
    route: "verify.$code",
    method: "POST",
    url: (w) => `/verify/${w.letter.code}`,
    body: form({ _intent: "receipt", receipt: "not a receipt" }),
    expect: all(400),
  },
  { route: "verify.$code_.json", method: "GET", url: (w) => `/verify/${w.letter.code}/json`, expect: all(200) },
  { route: "verify.$code_.json", method: "GET", url: () => "/verify/ZZZZ-ZZZZ-ZZZZ/json", expect: all(404) },
  { route: "verify.$code_.revocations", method: "GET", url: (w) => `/verify/${w.letter.code}/revocations`, expect: all(200) },
  { route: "verify.$code_.revocations", method: "GET", url: () => "/verify/ZZZZ-ZZZZ-ZZZZ/revocations", expect: all(404) },
  { route: "verify.$code_.revocations[.p7s]", method: "GET", url: (w) => `/verify/${w.letter.code}/revocations.p7s`, expect: all(200) },

  { route: "login", method: "GET", url: () => "/login", expect: [200, 200, 302, 302, 302] },
  // The same answer whoever the address is; someone already signed in goes on to the dashboard.
  { route: "login", method: "POST", url: () => "/login", body: form({ email: "nobody@example.org" }), expect: [200, 200, 302, 302, 302] },
  { route: "login_.t.$token", method: "GET", url: (w) => `/login/t/${w.loginToken}`, expect: all(200) },
  { route: "login_.t.$token", method: "POST", url: () => `/login/t/${unknownToken()}`, body: form({}), expect: all(400) },
  // ORG_REGISTRATION=open here: anyone may register (the same answer whoever the address is);
  // someone signed in goes on to the dashboard. Closed, both are 404 (tests/integration/register.test.ts).
  { route: "register", method: "GET", url: () => "/register", expect: [200, 200, 302, 302, 302] },
  {
    route: "register",
    method: "POST",
    url: () => "/register",
    body: form({ name: "Matrix NGO", email: "nobody@example.org" }),
    expect: [200, 200, 302, 302, 302],
  },
  { route: "register_.t.$token", method: "GET", url: () => `/register/t/${unknownToken()}`, expect: all(200) },
  { route: "register_.t.$token", method: "POST", url: () => `/register/t/${unknownToken()}`, body: form({}), expect: all(400) },
  { route: "logout", method: "GET", url: () => "/logout", expect: all(302) },
  { route: "logout", method: "POST", url: () => "/logout", body: form({}), expect: all(302) },
  { route: "my-data", method: "GET", url: () => "/my-data", expect: all(200) },
  { route: "my-data", method: "POST", url: () => "/my-data", body: form({ email: "not-an-address" }), expect: all(400) },

  { route: "s.confirm.$token", method: "GET", url: (w) => `/s/confirm/${w.signer.confirm}`, expect: all(200) },
  { route: "s.confirm.$token", method: "POST", url: () => `/s/confirm/${unknownToken()}`, body: form({}), expect: all(400) },
  { route: "s.reject.$token", method: "GET", url: (w) => `/s/reject/${w.signer.reject}`, expect: all(200) },
  { route: "s.reject.$token", method: "POST", url: () => `/s/reject/${unknownToken()}`, body: form({}), expect: all(400) },
  { route: "s.withdraw.$token", method: "GET", url: (w) => `/s/withdraw/${w.signer.withdraw}`, expect: all(200) },
  { route: "s.withdraw.$token", method: "POST", url: () => `/s/withdraw/${unknownToken()}`, body: form({}), expect: all(400) },
  { route: "s.unsubscribe.$token", method: "GET", url: (w) => `/s/unsubscribe/${w.signer.unsubscribe}`, expect: all(200) },
  { route: "s.unsubscribe.$token", method: "POST", url: () => `/s/unsubscribe/${unknownToken()}`, body: form({}), expect: all(400) },
];

describe("authorization matrix", () => {
  let h: Harness;
  let w: World;

  beforeAll(async () => {
    h = await startHarness({ NODE_ENV: "production", ORG_REGISTRATION: "open" });
    w = await seedWorld(h);
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  });

  it("has a row for every route module, and no row for a route that does not exist", () => {
    expectRowPerRoute(ROWS);
  });

  it("answers each visitor with the expected status", async () => {
    const cookieOf = (role: Role) =>
      role === "owner" ? w.owner.cookie : role === "editor" ? w.editor.cookie : role === "otherEditor" ? w.otherEditor.cookie : undefined;
    const got: string[] = [];
    const wanted: string[] = [];
    for (const row of ROWS) {
      const url = row.url(w);
      const statuses: number[] = [];
      // One visitor after another: two organizers writing the same thing at once is another test.
      for (const [i, role] of ROLES.entries()) {
        const headers: Record<string, string> = { "X-Forwarded-For": `10.0.${i}.1` };
        const cookie = cookieOf(role);
        if (cookie) headers.Cookie = cookie;
        const response = await fetch(`${h.url}${url}`, { method: row.method, headers, body: row.body?.(w, role), redirect: "manual" });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      got.push(`${row.method} ${url} (${row.route}): ${statuses.join(" ")}`);
      wanted.push(`${row.method} ${url} (${row.route}): ${row.expect.join(" ")}`);
    }
    expect(got).toEqual(wanted);
  }, 120_000);
});

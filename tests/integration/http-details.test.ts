import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { newOrganization, sessionCookie, uniqueEmail } from "../fixtures/organizers";
import { addAddressee, createAppeal, publish, saveVersion } from "../../app/services/appeals.server";
import { publishedAppeal, signForm, startHarness, tokenIn, unique, type Harness } from "./support/harness";

/**
 * What tools we did not write look at (curl, crawlers, link previews, Lighthouse): the headers
 * on every kind of answer, robots.txt and favicon.ico, caching of public pages, the link
 * preview tags, and a <title> on every error page — against the built app as `npm start` runs it.
 */
describe("HTTP details", () => {
  let h: Harness;
  let appeal: { id: number; slug: string };
  let cookie: string;
  /** Written in Russian, translated into English and Kazakh. */
  let trilingual: string;

  beforeAll(async () => {
    h = await startHarness();
    const owner = await newOrganization("Details NGO");
    appeal = await publishedAppeal(owner);
    cookie = await sessionCookie(owner.userId);
    trilingual = unique("tri");
    const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug: trilingual, originalLanguage: "ru", title: "Открытое письмо" });
    await saveVersion(id, owner.userId, "ru", { title: "Открытое письмо", summary: "Мы просим о чистом воздухе.", body: "Уважаемый министр!" });
    await saveVersion(id, owner.userId, "en", { title: "An open letter", summary: "We ask for clean air.", body: "Dear Minister," });
    await saveVersion(id, owner.userId, "kk", { title: "Ашық хат", summary: "Біз таза ауа сұраймыз.", body: "Құрметті министр!" });
    await addAddressee(id, owner.userId, null, { ru: { name: "Министр", position: "Министр", institution: "Министерство" } });
    await publish(id, owner.userId, {});
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  describe("headers on every kind of answer", () => {
    const asset = () => `/build/${readdirSync(path.resolve("public/build")).find((f) => /^entry\.client-.*\.js$/.test(f))}`;
    const answers: Array<[string, () => string, RequestInit?]> = [
      ["a page", () => `/appeals/${appeal.slug}`],
      ["a page from the page cache", () => `/appeals/${appeal.slug}`],
      ["a static file", () => "/app.css"],
      ["a build asset", asset],
      ["the health check", () => "/healthz"],
      ["a 404", () => "/no/such/page"],
      ["a 405", () => "/", { method: "PUT" }],
      ["a 400 for an undecodable address", () => "/%E0%A4%A"],
      [
        "a form refused by its route",
        () => `/appeals/${appeal.slug}`,
        { method: "POST", body: "", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
      ],
    ];

    it.each(answers)("%s: nosniff, Permissions-Policy denying what the app never uses, COOP same-origin", async (_label, url, init) => {
      const res = await fetch(`${h.url}${url()}`, { redirect: "manual", ...init });
      await res.arrayBuffer();
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      const policy = res.headers.get("permissions-policy") ?? "";
      for (const feature of ["camera", "microphone", "geolocation", "browsing-topics", "payment", "usb"])
        expect(policy).toMatch(new RegExp(`(^|, )${feature}=\\(\\)(,|$)`));
    });
  });

  describe("caching of public pages", () => {
    it("the home page and an appeal page: max-age=5, s-maxage for a cache in front, stale-while-revalidate, for anonymous readers", async () => {
      for (const url of ["/", `/appeals/${appeal.slug}`]) {
        for (const attempt of ["rendered", "from the page cache"]) {
          const res = await fetch(`${h.url}${url}`, { headers: { "accept-encoding": "gzip" } });
          await res.arrayBuffer();
          expect(res.status, url).toBe(200);
          expect(res.headers.get("cache-control"), `${url} ${attempt}`).toMatch(/^public, max-age=5, s-maxage=10, stale-while-revalidate=\d+$/);
          // The language comes from Accept-Language here, the encoding from Accept-Encoding.
          const vary = (res.headers.get("vary") ?? "").split(/,\s*/).map((v) => v.toLowerCase());
          expect(new Set(vary), `${url} ${attempt}`).toEqual(new Set(["cookie", "accept-language", "accept-encoding"]));
        }
      }
    });

    it("a page whose URL names the language varies on no Accept-Language, and a reader who keeps the language gets the shared copy", async () => {
      const url = `${h.url}/appeals/${appeal.slug}?lang=en`;
      const first = await fetch(url);
      await first.arrayBuffer();
      expect(first.headers.get("set-cookie")).toMatch(/^lang=en;/);
      expect(first.headers.get("cache-control")).toMatch(/^private/);
      for (const attempt of ["rendered", "from the page cache"]) {
        const res = await fetch(url, { headers: { cookie: "lang=en", "accept-language": "kk", "accept-encoding": "br" } });
        await res.arrayBuffer();
        expect(res.headers.get("set-cookie"), attempt).toBeNull();
        expect(res.headers.get("cache-control"), attempt).toMatch(/^public, max-age=5, s-maxage=10/);
        const vary = (res.headers.get("vary") ?? "").split(/,\s*/).map((v) => v.toLowerCase());
        expect(new Set(vary), attempt).toEqual(new Set(["cookie", "accept-encoding"]));
        if (attempt === "from the page cache") expect(res.headers.get("x-page-cache")).toBe("hit");
      }
    });

    it("a kept copy outlives its 2 s while nothing on the page changes, and is rendered again once a signature is confirmed", async () => {
      const fresh = await publishedAppeal(await newOrganization("Kept Copy NGO"));
      // The language by URL and cookie: copies no other test here asks for, so this test renders them
      // first (a copy is rendered again once a minute however unchanged).
      const get = async (url: string) => {
        const res = await fetch(`${h.url}${url}?lang=en`, { headers: { cookie: "lang=en" } });
        const html = await res.text();
        return {
          hit: res.headers.get("x-page-cache") === "hit",
          etag: res.headers.get("etag"),
          count: /class="count"><strong>([\d,]+) signature/.exec(html)?.[1] ?? null,
          html,
        };
      };
      const expire = () => new Promise((r) => setTimeout(r, 2500)); // past the 2 s a copy is fresh
      for (const url of ["/", `/appeals/${fresh.slug}`]) {
        await get(url);
        const kept = await get(url);
        expect(kept.hit, url).toBe(true);
        await expire();
        // The same copy, not rendered again (a render would differ: the form carries its time).
        const again = await get(url);
        expect(again.hit, url).toBe(true);
        expect(again.etag, url).toBe(kept.etag);
      }
      const before = await get(`/appeals/${fresh.slug}`);
      expect(before.count).toBe("0");

      const email = uniqueEmail("kept");
      const signed = await fetch(`${h.url}/appeals/${fresh.slug}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: h.url },
        body: signForm({ name: "Reader of Copies", email }),
        redirect: "manual",
      });
      expect(signed.status).toBe(303);
      const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
      const confirmed = await fetch(`${h.url}/s/confirm/${tokenIn(mail.text, "confirm")}`, { method: "POST", redirect: "manual" });
      expect(confirmed.status).toBe(303);
      // The count is folded within 2 s, read through a 2 s cache, and the copy checked every 2 s.
      const deadline = Date.now() + 20_000;
      let after = await get(`/appeals/${fresh.slug}`);
      while (after.count !== "1" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        after = await get(`/appeals/${fresh.slug}`);
      }
      expect(after.count).toBe("1");
      expect(after.etag).not.toBe(before.etag);
      expect(after.html).toContain("Reader of Copies");
    }, 60_000);

    it("a signed-in organizer's copy of the same pages is private and not stored", async () => {
      for (const url of ["/", `/appeals/${appeal.slug}`, "/privacy"]) {
        const res = await fetch(`${h.url}${url}`, { headers: { Cookie: cookie } });
        const html = await res.text();
        expect(res.status, url).toBe(200);
        expect(html, url).toContain('href="/dashboard"');
        expect(res.headers.get("cache-control"), url).toBe("private, no-store");
      }
    });
  });

  describe("error pages have a title", () => {
    const pages: Array<[string, () => string, number, boolean?]> = [
      ["an unknown appeal", () => "/appeals/no-such-appeal", 404],
      ["an unknown appeal's thanks page", () => "/appeals/no-such-appeal/thanks", 404],
      ["an unknown appeal's 'check your e-mail' page", () => "/appeals/no-such-appeal/sent", 404],
      ["an unknown letter code", () => "/verify/ZZZZ-ZZZZ-ZZZZ", 404],
      ["an unknown address", () => "/no/such/page", 404],
      ["an unknown appeal in the dashboard", () => "/dashboard/appeals/999999999", 404, true],
      ["an unknown language", () => "/?lang=xx", 400],
    ];

    it.each(pages)("%s", async (_label, url, status, signedIn) => {
      for (const lang of ["en", "ru", "kk"]) {
        const res = await fetch(`${h.url}${url()}`, { headers: { "Accept-Language": lang, ...(signedIn ? { Cookie: cookie } : {}) } });
        const html = await res.text();
        expect(res.status, url()).toBe(status);
        const title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
        expect(title, `${url()} (${lang})`).toMatch(/\S/);
        expect(title).not.toMatch(/undefined|null/);
        // The page says what happened: not found, not "thanks" or "check your e-mail".
        if (status === 404) expect(title, `${url()} (${lang})`).toMatch(/not found|не найдена|табылмады/i);
        if (lang !== "en") expect(title, `${url()} (${lang})`).toMatch(/[\u0400-\u04ff]/);
      }
    });
  });

  describe("link previews (Open Graph)", () => {
    const metas = (html: string, property: string) =>
      [...html.matchAll(/<meta\b[^>]*>/g)]
        .map((m) => m[0])
        .filter((tag) => tag.includes(`property="${property}"`))
        .map((tag) => /content="([^"]*)"/.exec(tag)?.[1]);

    it("og:image: an absolute URL of the appeal's own 1200 × 630 PNG (title, count), with its size and an alt saying what it shows", async () => {
      for (const [lang, alt] of [
        ["en", /^An open letter: 0 signatures$/],
        ["ru", /^Открытое письмо: 0 подписей$/],
        ["kk", /^Ашық хат: 0 қолтаңба$/],
      ] as const) {
        const html = await (await fetch(`${h.url}/appeals/${trilingual}`, { headers: { "Accept-Language": lang } })).text();
        const [image] = metas(html, "og:image");
        expect(image, lang).toBe(`${h.url}/appeals/${trilingual}/og.png?lang=${lang}`);
        expect(metas(html, "og:image:width")).toEqual(["1200"]);
        expect(metas(html, "og:image:height")).toEqual(["630"]);
        expect(metas(html, "og:image:type")).toEqual(["image/png"]);
        expect(metas(html, "og:image:alt")[0], lang).toMatch(alt);
        const res = await fetch(image ?? "");
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("image/png");
        const png = Buffer.from(await res.arrayBuffer());
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 630]);
      }
    });

    it("og:locale is language_TERRITORY, with the appeal's other languages as og:locale:alternate", async () => {
      const cases: Array<[string, string, string[]]> = [
        ["kk", "kk_KZ", ["en_US", "ru_RU"]],
        ["ru", "ru_RU", ["en_US", "kk_KZ"]],
        ["en", "en_US", ["kk_KZ", "ru_RU"]],
      ];
      for (const [lang, locale, alternates] of cases) {
        const html = await (await fetch(`${h.url}/appeals/${trilingual}?lang=${lang}`)).text();
        expect(metas(html, "og:locale"), lang).toEqual([locale]);
        expect(metas(html, "og:locale:alternate").sort(), lang).toEqual(alternates);
      }
      const single = await (await fetch(`${h.url}/appeals/${appeal.slug}`)).text();
      expect(metas(single, "og:locale")).toEqual(["en_US"]);
      expect(metas(single, "og:locale:alternate")).toEqual([]);
    });
  });

  it("favicon.ico is served: an icon file with 16, 32 and 48 px images", async () => {
    const res = await fetch(`${h.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)$/);
    const ico = Buffer.from(await res.arrayBuffer());
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 3]);
    expect([0, 1, 2].map((n) => ico.readUInt8(6 + 16 * n))).toEqual([16, 32, 48]);
    const html = await (await fetch(`${h.url}/`)).text();
    expect(html).toMatch(/<link rel="icon" href="\/favicon.ico"/);
  });

  describe("robots.txt", () => {
    /** Whether a crawler may fetch `path` (RFC 9309: the longest matching rule wins, Allow on a tie). */
    function allowed(robots: string, path: string): boolean {
      const rules = robots
        .split("\n")
        .map((line) => line.replace(/#.*/, "").trim())
        .map((line) => /^(allow|disallow):\s*(\S*)$/i.exec(line))
        .filter((m): m is RegExpExecArray => m !== null && m[2] !== "")
        .map((m) => ({ allow: m[1]?.toLowerCase() === "allow", prefix: m[2] ?? "" }))
        .filter((r) => path.startsWith(r.prefix))
        .sort((a, b) => b.prefix.length - a.prefix.length || Number(b.allow) - Number(a.allow));
      return rules[0]?.allow ?? true;
    }

    it("allows the public pages and keeps crawlers out of the dashboard, personal links, sign-in, my data and developer tools", async () => {
      const res = await fetch(`${h.url}/robots.txt`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      const robots = await res.text();
      expect(robots).toMatch(/^User-agent: \*$/m);
      for (const path of ["/", `/appeals/${appeal.slug}`, "/privacy", "/verify", "/api/appeals/x"]) expect(allowed(robots, path), path).toBe(true);
      for (const path of [
        "/dashboard",
        "/dashboard/appeals/1",
        "/s/confirm/abc",
        "/s/unsubscribe/abc",
        "/login",
        "/login/t/abc",
        "/my-data",
        "/dev/mailbox",
        "/letters/ABC.pdf",
      ])
        expect(allowed(robots, path), path).toBe(false);
    });

    it("points to the sitemap, which lists the appeal; the appeal's updates feed is Atom (issue 17 item 7)", async () => {
      const robots = await (await fetch(`${h.url}/robots.txt`)).text();
      const sitemapUrl = /^Sitemap: (\S+)$/m.exec(robots)?.[1];
      expect(sitemapUrl).toMatch(/^https?:\/\/[^/]+\/sitemap\.xml$/);
      const sitemap = await fetch(`${h.url}/sitemap.xml`);
      expect(sitemap.status).toBe(200);
      expect(sitemap.headers.get("content-type")).toBe("application/xml; charset=utf-8");
      expect(await sitemap.text()).toContain(`/appeals/${appeal.slug}?lang=`);
      const feed = await fetch(`${h.url}/appeals/${appeal.slug}/updates.atom`);
      expect(feed.status).toBe(200);
      expect(feed.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
      expect(await feed.text()).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
      expect((await fetch(`${h.url}/appeals/no-such-appeal/updates.atom`)).status).toBe(404);
    });
  });

  describe("requests Node refuses before any route (server/client-error.ts)", () => {
    /** A form posted to an address longer than Node's 16 KiB header limit, as a fuzzer or a broken link builds it. */
    const postToLongUrl = (bodyBytes: number) => {
      const data = new FormData();
      data.append("file", new Blob([new Uint8Array(bodyBytes)]), "letter.pdf");
      return fetch(`${h.url}/verify/${encodeURIComponent("\u200b".repeat(4000))}`, { method: "POST", body: data, signal: AbortSignal.timeout(20_000) });
    };

    it("a URL past the header limit is answered 431 with the plain page, and a small upload still being sent gets the answer, not a reset", async () => {
      // Before, Node closed at once: a client still writing its form read "write EPIPE" (seen in the fuzz run).
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          postToLongUrl(1000 + i * 500).then(async (res) => ({
            status: res.status,
            type: res.headers.get("content-type"),
            csp: res.headers.get("content-security-policy"),
            text: await res.text(),
          })),
        ),
      );
      for (const a of answers) {
        expect(a.status).toBe(431);
        expect(a.type).toBe("text/html; charset=utf-8");
        expect(a.csp).toContain("default-src 'none'");
        expect(a.text).toContain("<title>The address is too long");
      }
      // The server goes on serving.
      expect((await fetch(`${h.url}/appeals/${appeal.slug}`)).status).toBe(200);
    });

    it("a large upload behind such a URL is not read for long: the connection closes once 1 MiB has been dropped", async () => {
      const started = Date.now();
      const outcome = await postToLongUrl(20 * 1024 * 1024).then(
        (res) => res.status,
        () => "closed",
      );
      expect([431, "closed"]).toContain(outcome);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it("a malformed request line gets the plain 400 page", async () => {
      const { connect } = await import("node:net");
      const { port } = new URL(h.url);
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () => socket.write("GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n"));
        let got = "";
        socket.on("data", (d: Buffer) => (got += d.toString("utf8")));
        socket.on("end", () => resolve(got));
        socket.on("error", reject);
      });
      expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(reply).toContain("<title>");
      expect(reply).not.toContain("\0");
    });
  });
});

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { addSigners, publishedAppeal } from "../../tests/fixtures/campaign";
import { loader as homeLoader } from "../routes/_index";
import { loader as appealLoader } from "../routes/appeals.$slug/route";
import { loader as atomLoader } from "../routes/appeals.$slug.updates[.]atom";
import { loader as sitemapLoader } from "../routes/sitemap[.]xml";
import { loader as robotsLoader } from "../routes/robots[.]txt";
import { env } from "../utils/env.server";
import { publicSigners, type ListFrom } from "./signing.server";
import { publishUpdate } from "./updates.server";

const APP = "http://localhost:3000";
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => ["entry", "url", "xhtml:link", "link"].includes(name) });

/** Issue 17 item 7: lists that say what they show. */
describe("lists that say what they show", () => {
  it("the home page lists open appeals apart from delivered and closed ones", async () => {
    const open = await publishedAppeal();
    const delivered = await publishedAppeal();
    const closed = await publishedAppeal();
    await getDb().updateTable("appeals").set({ status: "delivered" }).where("id", "=", delivered.id).execute();
    await getDb().updateTable("appeals").set({ status: "closed" }).where("id", "=", closed.id).execute();
    const res = await homeLoader({ request: new Request(`${APP}/?lang=ru`), params: {}, context: {} });
    const data = (await res.json()) as { open: Array<{ slug: string; status: string }>; finished: Array<{ slug: string; status: string }> };
    const openSlugs = data.open.map((a) => a.slug);
    const finishedSlugs = data.finished.map((a) => a.slug);
    expect(openSlugs).toContain(open.slug);
    expect(openSlugs).not.toContain(delivered.slug);
    expect(openSlugs).not.toContain(closed.slug);
    expect(finishedSlugs).toEqual(expect.arrayContaining([delivered.slug, closed.slug]));
    expect(finishedSlugs).not.toContain(open.slug);
    expect(data.open.every((a) => a.status === "published")).toBe(true);
    expect(data.finished.every((a) => a.status === "delivered" || a.status === "closed")).toBe(true);
  });

  it("the public list says which page of how many it shows, walking both ways", async () => {
    const { id, slug } = await publishedAppeal();
    const base = Date.now() - 3600_000;
    // 130 listed, plus private and hidden ones that neither show nor count.
    await addSigners(id, [
      ...Array.from({ length: 130 }, (_, i) => ({ name: `Listed ${i}`, at: new Date(base + i * 1000) })),
      ...Array.from({ length: 40 }, (_, i) => ({ name: `Private ${i}`, disclosure: "private" as const, at: new Date(base + i * 1000 + 500) })),
      { name: "Hidden", hidden: true },
    ]);
    const seen: Array<[number, number]> = [];
    let from: ListFrom = { first: true };
    let page = await publicSigners(id, from);
    seen.push([page.page, page.pages]);
    while (page.older) {
      from = { after: page.older };
      page = await publicSigners(id, from);
      seen.push([page.page, page.pages]);
    }
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    page = await publicSigners(id, { before: page.newer! });
    expect([page.page, page.pages]).toEqual([2, 3]);

    // On the page, in Russian: "Страница 2 из 3".
    const first = await appealLoader({ request: new Request(`${APP}/appeals/${slug}?lang=ru`), params: { slug }, context: {} });
    const body = (await first.json()) as { list: { page: number; pages: number; older: string } };
    expect([body.list.page, body.list.pages]).toEqual([1, 3]);
    const second = await appealLoader({ request: new Request(`${APP}/appeals/${slug}?lang=ru&after=${body.list.older}`), params: { slug }, context: {} });
    expect(((await second.json()) as { list: { page: number } }).list.page).toBe(2);
  });

  it("an appeal's updates as valid Atom, in the asked language, without any address; a draft or unknown slug is a 404", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [{ name: "Ева", email: "eva.reader@example.org", keepInformed: true }]);
    await publishUpdate(appeal.id, appeal.owner.userId, {
      kind: "update",
      content: {
        ru: { title: "Письмо <доставлено> & принято", body: "Спасибо всем.\n\nДальше — ответ." },
        en: { title: "Letter delivered", body: "Thank you all." },
      },
    });
    const load = (query: string, slug = appeal.slug) =>
      atomLoader({ request: new Request(`${APP}/appeals/${slug}/updates.atom${query}`), params: { slug }, context: {} });
    const res = await load("?lang=ru");
    expect(res.headers.get("Content-Type")).toBe("application/atom+xml; charset=utf-8");
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/@[a-z0-9-]+\.[a-z]/i);
    const feed = parser.parse(xml).feed;
    expect(feed["@xmlns"]).toBe("http://www.w3.org/2005/Atom");
    expect(feed["@xml:lang"]).toBe("ru");
    expect(feed.id).toBe(`${env().APP_URL}/appeals/${appeal.slug}/updates.atom?lang=ru`);
    expect(feed.author.name).toBe("Коалиция «Гражданские свободы»");
    expect(feed.link.map((l: Record<string, string>) => l["@rel"])).toEqual(["self", "alternate"]);
    expect(feed.entry).toHaveLength(1);
    const entry = feed.entry[0];
    expect(xml).toContain("<title>Письмо &lt;доставлено&gt; &amp; принято</title>");
    expect(entry.content["#text"]).toContain("Спасибо всем.");
    expect(entry.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(entry.link[0]["@href"]).toMatch(new RegExp(`/appeals/${appeal.slug}\\?lang=ru#update-\\d+$`));

    const en = parser.parse(await (await load("?lang=en")).text()).feed;
    expect(en.entry[0].title).toBe("Letter delivered");

    for (const slug of ["no-such-appeal", "../x"]) await expect(load("", slug)).rejects.toMatchObject({ status: 404 });
    await getDb().updateTable("appeals").set({ status: "draft" }).where("id", "=", appeal.id).execute();
    const draft = await publishedAppeal();
    await getDb().updateTable("appeals").set({ status: "draft" }).where("id", "=", draft.id).execute();
    await expect(load("", draft.slug)).rejects.toMatchObject({ status: 404 });

    // The appeal page names the feed in its head.
    const open = await publishedAppeal();
    const page = await appealLoader({ request: new Request(`${APP}/appeals/${open.slug}?lang=kk`), params: { slug: open.slug }, context: {} });
    expect(((await page.json()) as { feedUrl: string }).feedUrl).toBe(`${env().APP_URL}/appeals/${open.slug}/updates.atom?lang=kk`);
  });

  it("the sitemap lists each language version of each public appeal with hreflang alternates, no drafts; robots.txt points to it", async () => {
    const three = await publishedAppeal();
    const one = await publishedAppeal({ langs: ["ru"] });
    const draft = await publishedAppeal();
    await getDb().updateTable("appeals").set({ status: "draft" }).where("id", "=", draft.id).execute();
    const res = await sitemapLoader();
    expect(res.headers.get("Content-Type")).toBe("application/xml; charset=utf-8");
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const urls = parser.parse(xml).urlset.url as Array<{ loc: string; lastmod?: string; "xhtml:link"?: Array<Record<string, string>> }>;
    const app = env().APP_URL;
    expect(urls[0]!.loc).toBe(`${app}/`);
    const of = (slug: string) => urls.filter((u) => u.loc.startsWith(`${app}/appeals/${slug}?`));
    expect(of(three.slug).map((u) => u.loc)).toEqual(["ru", "en", "kk"].map((l) => `${app}/appeals/${three.slug}?lang=${l}`));
    for (const u of of(three.slug)) {
      expect(u.lastmod).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(u["xhtml:link"]!.map((l) => [l["@hreflang"], l["@href"]])).toEqual(["ru", "en", "kk"].map((l) => [l, `${app}/appeals/${three.slug}?lang=${l}`]));
    }
    expect(of(one.slug)).toHaveLength(1);
    expect(of(one.slug)[0]!["xhtml:link"]).toBeUndefined();
    expect(of(draft.slug)).toHaveLength(0);

    const robots = await robotsLoader();
    const text = await robots.text();
    expect(text).toContain(`\nSitemap: ${app}/sitemap.xml\n`);
    expect(text).toContain("Disallow: /dashboard\n");
  });
});

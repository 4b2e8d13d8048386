import { sql } from "kysely";
import { getReadDb } from "../../db/client";
import { isContentLang, isUiLang, translator } from "~/i18n";
import { fileTypeLabel } from "../../emails/response";
import { env } from "~/utils/env.server";
import { escapeXml } from "~/utils/xml";
import { cachedPublicAppeal } from "./public-appeal.server";

/**
 * The Atom feed of an appeal's public updates, or null when the appeal is not public (drafts,
 * unknown slugs). The same text the page shows: titles, bodies, dates and the organization's
 * name as author; never an address of anyone.
 */
export async function atomFeed(slug: string, requested: string | undefined, uiLang: string): Promise<string | null> {
  const view = await cachedPublicAppeal(slug, requested, uiLang);
  if (!view) return null;
  const base = `${env().APP_URL}/appeals/${view.slug}`;
  const page = `${base}?lang=${encodeURIComponent(view.lang)}`;
  const self = `${base}/updates.atom?lang=${encodeURIComponent(view.lang)}`;
  const updated = view.updates[0]?.date ?? view.revisedAt ?? view.publishedAt ?? new Date(0).toISOString();
  // A response's title ("Response from …, <date>") in the feed's language, else the reader's.
  const wordsLang = isUiLang(view.lang) ? view.lang : isUiLang(uiLang) ? uiLang : "en";
  const { t, date } = translator(wordsLang);
  const entries = view.updates.map((u) => {
    const r = u.response;
    const title = r
      ? r.from
        ? t("responses.heading", { from: r.from, date: date(r.receivedOn) })
        : t("responses.headingUnnamed", { date: date(r.receivedOn) })
      : u.title;
    // The institution's letter as received, for readers that fetch enclosures (RFC 4287 4.2.7.2).
    const enclosure = r?.file
      ? `\n    <link rel="enclosure" type="${escapeXml(r.file.contentType)}" length="${r.file.size}" title="${escapeXml(`${r.file.filename} (${fileTypeLabel(r.file.contentType)})`)}" href="${escapeXml(`${base}/attachments/${r.file.id}`)}"/>`
      : "";
    return `  <entry xml:lang="${escapeXml(u.lang)}">
    <id>${escapeXml(`${base}#update-${u.id}`)}</id>
    <title${r ? ` xml:lang="${wordsLang}"` : ""}>${escapeXml(title)}</title>
    <updated>${u.date}</updated>
    <published>${u.date}</published>
    <link rel="alternate" type="text/html" href="${escapeXml(`${page}#update-${u.id}`)}"/>${enclosure}${u.kind === "response" ? `\n    <category term="response"/>` : ""}
    <content type="text">${escapeXml(u.body)}</content>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXml(view.lang)}">
  <id>${escapeXml(self)}</id>
  <title>${escapeXml(view.title)}</title>
  <subtitle>${escapeXml(view.summary)}</subtitle>
  <updated>${updated}</updated>
  <author><name>${escapeXml(view.organization || "Appeals")}</name></author>
  <link rel="self" type="application/atom+xml" href="${escapeXml(self)}"/>
  <link rel="alternate" type="text/html" href="${escapeXml(page)}"/>
${entries.join("\n")}${entries.length ? "\n" : ""}</feed>
`;
}

/** Published, closed and delivered appeals with their language versions, for the sitemap. */
export async function sitemapAppeals(limit = 10_000) {
  const rows = await getReadDb()
    .selectFrom("appeals as a")
    .innerJoin("appeal_revisions as r", (j) => j.onRef("r.appeal_id", "=", "a.id").onRef("r.number", "=", "a.current_revision"))
    .where("a.status", "in", ["published", "closed", "delivered"])
    .select([
      "a.slug",
      "a.original_language",
      sql<string[]>`array(select jsonb_object_keys(r.content->'versions'))`.as("languages"),
      sql<string>`to_char(greatest(a.published_at, r.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`.as("lastmod"),
    ])
    .orderBy("a.published_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    slug: r.slug,
    lastmod: r.lastmod,
    languages: [r.original_language, ...r.languages.filter((l) => l !== r.original_language).sort()].filter(isContentLang),
  }));
}

/** sitemaps.org 0.9: the home page, and each language version of each public appeal with its hreflang alternates. */
export async function sitemapXml(): Promise<string> {
  const app = env().APP_URL;
  const urls = [`  <url><loc>${escapeXml(`${app}/`)}</loc></url>`];
  for (const a of await sitemapAppeals()) {
    const href = (l: string) => `${app}/appeals/${a.slug}?lang=${encodeURIComponent(l)}`;
    const alternates =
      a.languages.length > 1
        ? a.languages.map((l) => `\n    <xhtml:link rel="alternate" hreflang="${escapeXml(l)}" href="${escapeXml(href(l))}"/>`).join("")
        : "";
    for (const l of a.languages) urls.push(`  <url>\n    <loc>${escapeXml(href(l))}</loc>\n    <lastmod>${a.lastmod}</lastmod>${alternates}\n  </url>`);
  }
  return `<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
${urls.join("\n")}
</urlset>
`;
}

/** robots.txt: public pages may be indexed; organizers' pages, sign-in, personal links and developer tools may not. */
export function robotsTxt(): string {
  return `# Appeals. Public pages (the home page, appeals, the privacy notice, letter verification) may be
# indexed; organizers' pages, sign-in, personal links from e-mails and developer tools may not.
User-agent: *
Allow: /
Disallow: /dashboard
Disallow: /s/
Disallow: /login
Disallow: /logout
Disallow: /my-data
Disallow: /letters/
Disallow: /dev

Sitemap: ${env().APP_URL}/sitemap.xml
`;
}

import { sitemapXml } from "~/services/feeds.server";

/** The sitemap (sitemaps.org 0.9) of the home page and every published appeal, each language version with its hreflang alternates. */
export async function loader() {
  return new Response(await sitemapXml(), {
    headers: { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}

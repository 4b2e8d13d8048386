import { robotsTxt } from "~/services/feeds.server";

/** robots.txt: which pages may be indexed, and where the sitemap is (an absolute address, hence not a static file). */
export function loader() {
  return new Response(robotsTxt(), { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=3600" } });
}

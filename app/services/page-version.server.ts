import crypto from "node:crypto";
import { homeAppeals } from "./home.server";
import { appealPageData } from "./public-appeal.server";

const APPEAL_PAGE = /^\/appeals\/([a-z0-9-]+)\/?$/;

/**
 * A fingerprint of what a cacheable public page shows from the database — the same data its
 * loader reads (homeAppeals, appealPageData), hashed — or null for an address this does not know.
 *
 * The page cache (server/page-cache.ts) checks it when its copy of a page is 2 s old: unchanged,
 * the copy is kept and nothing is rendered; changed (a confirmed signature, a new revision, an
 * update, a status), the page is rendered again as before. A render costs 5–9 ms of CPU on the
 * one thread that answers every request (bench:pages, issue 16); this costs a look-up in the
 * same 2-second caches the loaders read, or the few queries behind them. The rest of a page is
 * the build's (code, translations) or the clock's (the form's time stamp): the cache renders a
 * page again at least every minute whatever this says, and server/http.ts adds the build's
 * version.
 */
export async function publicPageVersion(url: URL, uiLang: string, requested: string | undefined): Promise<string | null> {
  let data: unknown;
  if (url.pathname === "/") data = await homeAppeals(uiLang);
  else {
    const slug = APPEAL_PAGE.exec(url.pathname)?.[1];
    if (!slug) return null;
    data = await appealPageData(slug, requested, uiLang);
  }
  return crypto.createHash("sha256").update(JSON.stringify(data)).digest("base64url");
}

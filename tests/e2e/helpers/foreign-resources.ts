import type { Browser, BrowserContext, Page } from "@playwright/test";

/**
 * "Nothing leaves": what a page or an e-mail would fetch, found two ways, so that neither a
 * request the browser made nor one it would make in another client (a preconnect, a prefetch,
 * a CSS url() that this layout does not use, a form's action) goes unnoticed:
 *
 * - every request the browser makes, recorded by a route on the whole context (a request to
 *   another origin is recorded and aborted, so a test never reaches the internet);
 * - every URL in the parsed document that a client fetches or sends data to: scripts, style
 *   sheets and every other <link> that fetches (icon, manifest, preload, modulepreload,
 *   prefetch, prerender, preconnect, dns-prefetch), images (src, srcset, background), media,
 *   frames, embeds, objects, form actions (form action, formaction), a[ping], <base>, SVG
 *   images, speculation rules, and url() / @import in <style>, style="" and the page's own
 *   style sheets.
 */
export interface FoundResource {
  /** What refers to it: "image", "link rel=preconnect", "css url()", "form action", "request"... */
  kind: string;
  /** The URL as written. */
  raw: string;
  /** Resolved against the document (null when it cannot be: a relative URL in an e-mail). */
  url: string | null;
}

/** Every URL the document in `page` would fetch or send to, as the browser parsed it. */
export async function resourcesIn(page: Page): Promise<FoundResource[]> {
  return page.evaluate(() => {
    const found: Array<{ kind: string; raw: string; url: string | null }> = [];
    const resolve = (raw: string, base: string) => {
      try {
        // about:blank (an e-mail shown on its own) resolves nothing relative.
        if (base.startsWith("about:") && !/^[a-z][a-z0-9+.-]*:/i.test(raw)) return null;
        return new URL(raw, base).href;
      } catch {
        return null;
      }
    };
    const add = (kind: string, value: string | null | undefined, base = document.baseURI) => {
      const raw = (value ?? "").trim();
      if (raw) found.push({ kind, raw, url: resolve(raw, base) });
    };
    const css = (kind: string, text: string, base = document.baseURI) => {
      for (const m of text.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)/gi)) add(`${kind} url()`, m[2], base);
      for (const m of text.matchAll(/@import\s+(['"])(.*?)\1/gi)) add(`${kind} @import`, m[2], base);
    };
    // <link> types that only name a page (navigation, not a fetch).
    const naming = new Set(["canonical", "alternate", "author", "license", "help", "next", "prev", "bookmark", "external", "me", "search"]);
    for (const el of document.querySelectorAll("link[href]")) {
      const rels = (el.getAttribute("rel") ?? "").toLowerCase().split(/\s+/).filter(Boolean);
      if (rels.length && rels.every((r) => naming.has(r))) continue;
      add(`link rel=${rels.join(" ") || "(none)"}`, el.getAttribute("href"));
    }
    const single: Array<[string, string, string]> = [
      ["script[src]", "src", "script"],
      ["img[src]", "src", "image"],
      ["input[src]", "src", "image"],
      ["video[poster]", "poster", "image"],
      ["[background]", "background", "image"],
      ["source[src]", "src", "media"],
      ["video[src]", "src", "media"],
      ["audio[src]", "src", "media"],
      ["track[src]", "src", "media"],
      ["iframe[src]", "src", "frame"],
      ["frame[src]", "src", "frame"],
      ["embed[src]", "src", "embed"],
      ["object[data]", "data", "object"],
      ["form[action]", "action", "form action"],
      ["[formaction]", "formaction", "form action"],
      ["base[href]", "href", "base"],
    ];
    for (const [selector, attribute, kind] of single) for (const el of document.querySelectorAll(selector)) add(kind, el.getAttribute(attribute));
    for (const el of document.querySelectorAll("img[srcset], source[srcset]"))
      for (const candidate of (el.getAttribute("srcset") ?? "").split(",")) add("image srcset", candidate.trim().split(/\s+/)[0]);
    for (const el of document.querySelectorAll("a[ping], area[ping]")) for (const u of (el.getAttribute("ping") ?? "").split(/\s+/)) add("ping", u);
    for (const el of document.querySelectorAll("image, use, feImage")) {
      add(`svg ${el.tagName}`, el.getAttribute("href") ?? el.getAttributeNS("http://www.w3.org/1999/xlink", "href"));
    }
    for (const el of document.querySelectorAll('script[type="speculationrules"]')) {
      try {
        const rules = JSON.parse(el.textContent ?? "{}") as Record<string, Array<{ urls?: string[] }>>;
        for (const [action, list] of Object.entries(rules)) for (const rule of list ?? []) for (const u of rule.urls ?? []) add(`speculation ${action}`, u);
      } catch {
        add("speculation rules", "(unreadable)");
      }
    }
    for (const el of document.querySelectorAll("style")) css("<style>", el.textContent ?? "");
    for (const el of document.querySelectorAll("[style]")) css('style=""', el.getAttribute("style") ?? "");
    // The rules of the page's own style sheets (an @font-face or background in app.css), relative to the sheet.
    for (const sheet of document.styleSheets) {
      if (!sheet.href) continue;
      try {
        css(`stylesheet ${new URL(sheet.href).pathname}`, [...sheet.cssRules].map((r) => r.cssText).join("\n"), sheet.href);
      } catch {
        add("stylesheet (unreadable rules)", sheet.href);
      }
    }
    return found;
  });
}

/**
 * The resources not from one of `allowed` origins (data:, blob: and about: are inline, not a
 * fetch). With `allowed` empty (an e-mail) every fetched URL counts: an image from our own
 * server would tell it, and anyone on the way, when the mail was opened.
 */
export function foreign(resources: FoundResource[], allowed: string[]): FoundResource[] {
  return resources.filter((r) => {
    // A relative URL in an e-mail: fetched from wherever the mail client decides.
    if (r.url === null) return true;
    const u = new URL(r.url);
    if (["data:", "blob:", "about:", "mailto:", "tel:", "cid:", "javascript:"].includes(u.protocol)) return false;
    return !allowed.includes(u.origin);
  });
}

export const describeResource = (r: FoundResource) => `${r.kind}: ${r.url ?? r.raw}`;

/**
 * Records every request the context's pages make and aborts those to another origin than
 * `origin` (they are recorded first). `requests()` lists them all.
 */
export async function recordRequests(context: BrowserContext, origin: string) {
  const seen: FoundResource[] = [];
  await context.route("**/*", async (route) => {
    const request = route.request();
    seen.push({ kind: `request (${request.resourceType()})`, raw: request.url(), url: request.url() });
    if (new URL(request.url()).origin === origin) await route.continue();
    else await route.abort("blockedbyclient");
  });
  return { requests: () => [...seen], clear: () => void seen.splice(0) };
}

/**
 * An e-mail's HTML parsed by the browser on its own (about:blank, JavaScript off, every
 * request recorded and refused): what it refers to and what the browser tried to fetch.
 */
export async function emailResources(browser: Browser, html: string): Promise<FoundResource[]> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const fetched: FoundResource[] = [];
    await context.route("**/*", async (route) => {
      fetched.push({ kind: `request (${route.request().resourceType()})`, raw: route.request().url(), url: route.request().url() });
      await route.abort("blockedbyclient");
    });
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: "load" });
    return [...(await resourcesIn(page)), ...fetched];
  } finally {
    await context.close();
  }
}

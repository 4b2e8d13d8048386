export interface HtmlForm {
  method: "GET" | "POST";
  action: string;
  /** Hidden fields (a CSRF token, an intent) with their values. */
  hidden: Record<string, string>;
}

const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`, "i").exec(tag)?.[1];
const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/**
 * The first form of a page whose action contains `actionPart`, as a browser would submit it:
 * its method and its hidden fields. Good enough for the app's own server-rendered forms.
 */
export function findForm(html: string, actionPart: string): HtmlForm | null {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = match[1] ?? "";
    const action = unescape(attribute(open, "action") ?? "");
    if (!action.includes(actionPart)) continue;
    const hidden: Record<string, string> = {};
    for (const input of (match[2] ?? "").matchAll(/<input\b[^>]*>/gi)) {
      const tag = input[0];
      const name = attribute(tag, "name");
      if (name && (attribute(tag, "type") ?? "").toLowerCase() === "hidden") hidden[unescape(name)] = unescape(attribute(tag, "value") ?? "");
    }
    return { method: (attribute(open, "method") ?? "get").toLowerCase() === "post" ? "POST" : "GET", action, hidden };
  }
  return null;
}

/** The first link of a page whose href contains `hrefPart` (HTML entities decoded). */
export function findLink(html: string, hrefPart: string): string | null {
  for (const match of html.matchAll(/<a\b[^>]*\shref="([^"]*)"/gi)) {
    const href = unescape(match[1] ?? "");
    if (href.includes(hrefPart)) return href;
  }
  return null;
}

import { DEFAULT_LANG, isContentLang, isUiLang, UI_LANGUAGES, type ContentLang, type UiLang } from "./languages";

export const LANG_COOKIE = "lang";

export interface Negotiated {
  /** The interface language. */
  lang: UiLang;
  /** A content language asked for with ?lang= (may be a language the UI is not translated into). */
  requested?: ContentLang;
  /** ?lang= named a language we do not have: the caller answers 400. */
  badLang?: string;
  /** ?lang= named a UI language the cookie does not hold yet: remember it. */
  remember?: UiLang;
  /** The interface language comes from the URL (?lang= named a UI language), not from the request's headers. */
  byUrl?: true;
}

function fromCookie(cookieHeader: string | null): UiLang | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === LANG_COOKIE) {
      const value = rest.join("=").trim();
      return isUiLang(value) ? value : undefined; // a broken cookie is ignored
    }
  }
  return undefined;
}

/** The first supported language of an Accept-Language header, by quality. */
export function fromAcceptLanguage(header: string | null): UiLang | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(",")
    .slice(0, 30)
    .map((item, index) => {
      const [tag = "", ...params] = item.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const quality = q ? Number(q.slice(2)) : 1;
      return { base: tag.toLowerCase().split("-")[0] ?? "", quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((x) => x.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranked.map((x) => x.base).find(isUiLang);
}

/** ?lang= first, then the cookie, then Accept-Language, then English. */
export function negotiateLanguage(url: URL, cookieHeader: string | null, acceptLanguage: string | null): Negotiated {
  const fallback = fromCookie(cookieHeader) ?? fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LANG;
  const param = url.searchParams.get("lang");
  if (param === null || param === "") return { lang: fallback };
  const code = param.toLowerCase();
  // The cookie is set only when the choice changes, so that the answer to a reader who keeps it stays shareable.
  if (isUiLang(code)) return { lang: code, requested: code, byUrl: true, ...(fromCookie(cookieHeader) === code ? {} : { remember: code }) };
  if (isContentLang(code)) return { lang: fallback, requested: code };
  return { lang: fallback, badLang: param.slice(0, 20) };
}

export function langCookie(lang: UiLang): string {
  return `${LANG_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`;
}

export { UI_LANGUAGES };

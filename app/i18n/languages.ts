/** Languages the interface is translated into. */
export const UI_LANGUAGES = ["en", "ru", "kk"] as const;
export type UiLang = (typeof UI_LANGUAGES)[number];

/** Languages an appeal may be written in (its versions). */
export const CONTENT_LANGUAGES = ["en", "ru", "kk", "uk", "pl", "de", "fr", "es", "ky", "uz", "tg", "ar", "fa"] as const;
export type ContentLang = (typeof CONTENT_LANGUAGES)[number];

export const DEFAULT_LANG: UiLang = "en";

export function isUiLang(value: unknown): value is UiLang {
  return typeof value === "string" && (UI_LANGUAGES as readonly string[]).includes(value);
}

export function isContentLang(value: unknown): value is ContentLang {
  return typeof value === "string" && (CONTENT_LANGUAGES as readonly string[]).includes(value);
}

/** Each language's own name, for switchers. */
export const NATIVE_NAMES: Record<ContentLang, string> = {
  en: "English",
  ru: "Русский",
  kk: "Қазақша",
  uk: "Українська",
  pl: "Polski",
  de: "Deutsch",
  fr: "Français",
  es: "Español",
  ky: "Кыргызча",
  uz: "Oʻzbekcha",
  tg: "Тоҷикӣ",
  ar: "العربية",
  fa: "فارسی",
};

/**
 * Each language as a `language_TERRITORY` locale, the form Open Graph's og:locale takes
 * (link previews ignore a bare "ru"). The territory is where the language is chiefly read.
 */
export const OG_LOCALES: Record<ContentLang, string> = {
  en: "en_US",
  ru: "ru_RU",
  kk: "kk_KZ",
  uk: "uk_UA",
  pl: "pl_PL",
  de: "de_DE",
  fr: "fr_FR",
  es: "es_ES",
  ky: "ky_KG",
  uz: "uz_UZ",
  tg: "tg_TJ",
  ar: "ar_AR",
  fa: "fa_IR",
};

/** Content languages written right to left: their versions show with dir="rtl" and their letters lay out right to left. */
export const RTL_LANGUAGES: ReadonlySet<string> = new Set<ContentLang>(["ar", "fa"]);

/** Whether `lang` (a content language, or a tag such as "fa-IR") is written right to left. */
export function isRtlLang(lang: string): boolean {
  return RTL_LANGUAGES.has(lang.trim().toLowerCase().split(/[-_]/)[0] ?? "");
}

/** Languages the interface is translated into. */
export const UI_LANGUAGES = ["en", "ru", "kk"] as const;
export type UiLang = (typeof UI_LANGUAGES)[number];

/** Languages an appeal may be written in (its versions). */
export const CONTENT_LANGUAGES = ["en", "ru", "kk", "uk", "pl", "de", "fr", "es", "ky", "uz", "tg"] as const;
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
};

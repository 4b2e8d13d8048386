import { isContentLang, type ContentLang, type UiLang } from "./languages";

/**
 * Dates, numbers and language names of the interface languages, from our own tables.
 *
 * Context: pages are rendered on the server (Node's ICU) and again in the browser to hydrate
 * them. Browsers ship other ICU data than Node (Debian's Chromium has none for Kazakh: Intl gives
 * "2026 M11 22", "1,000" and "ru" there), and any difference in text makes React drop the
 * server's HTML and render the page again with the browser's formatting.
 * Decision: format these few things ourselves, exactly as Node's ICU does, so both sides agree.
 */

const MONTHS: Record<UiLang, { long: string[]; short: string[] }> = {
  en: {
    long: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    short: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
  },
  ru: {
    long: ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"],
    short: ["янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."],
  },
  kk: {
    long: ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"],
    short: ["қаң.", "ақп.", "нау.", "сәу.", "мам.", "мау.", "шіл.", "там.", "қыр.", "қаз.", "қар.", "жел."],
  },
};

const pad = (n: number) => String(n).padStart(2, "0");

/** "November 22, 2026" / "22 ноября 2026 г." / "2026 ж. 22 қараша" (UTC); "short" is the abbreviated form, "datetime" adds the time. */
export function formatDate(lang: UiLang, value: Date | string, style: "long" | "short" | "datetime" = "long"): string {
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return "";
  const year = d.getUTCFullYear();
  const day = d.getUTCDate();
  const month = d.getUTCMonth();
  const names = MONTHS[lang];
  const long = style === "long";
  const name = long ? names.long[month] : names.short[month];
  let date: string;
  if (lang === "en") date = `${name} ${day}, ${year}`;
  else if (lang === "ru") date = `${day} ${name} ${year} г.`;
  else date = `${year} ж. ${long ? day : pad(day)} ${name}`;
  if (style !== "datetime") return date;
  const hours = d.getUTCHours();
  const minutes = pad(d.getUTCMinutes());
  const time = lang === "en" ? `${hours % 12 || 12}:${minutes} ${hours < 12 ? "AM" : "PM"}` : `${pad(hours)}:${minutes}`;
  return `${date}, ${time} UTC`;
}

/** "1,234,567" in English; "1 234 567" (no-break spaces) and a decimal comma in Russian and Kazakh. */
export function formatNumber(lang: UiLang, n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [int = "0", frac] = String(Math.round(Math.abs(n) * 1000) / 1000).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, lang === "en" ? "," : "\u00a0");
  return `${n < 0 ? "-" : ""}${grouped}${frac ? (lang === "en" ? "." : ",") + frac : ""}`;
}

const LANGUAGE_NAMES: Record<UiLang, Record<ContentLang, string>> = {
  en: {
    en: "English",
    ru: "Russian",
    kk: "Kazakh",
    uk: "Ukrainian",
    pl: "Polish",
    de: "German",
    fr: "French",
    es: "Spanish",
    ky: "Kyrgyz",
    uz: "Uzbek",
    tg: "Tajik",
    ar: "Arabic",
    fa: "Persian",
  },
  ru: {
    en: "английский",
    ru: "русский",
    kk: "казахский",
    uk: "украинский",
    pl: "польский",
    de: "немецкий",
    fr: "французский",
    es: "испанский",
    ky: "киргизский",
    uz: "узбекский",
    tg: "таджикский",
    ar: "арабский",
    fa: "персидский",
  },
  kk: {
    en: "ағылшын тілі",
    ru: "орыс тілі",
    kk: "қазақ тілі",
    uk: "украин тілі",
    pl: "поляк тілі",
    de: "неміс тілі",
    fr: "француз тілі",
    es: "испан тілі",
    ky: "қырғыз тілі",
    uz: "өзбек тілі",
    tg: "тәжік тілі",
    ar: "араб тілі",
    fa: "парсы тілі",
  },
};

/** The name of a content language in an interface language, when we have it. */
export function knownLanguageName(code: string, inLang: string): string | undefined {
  return (inLang === "en" || inLang === "ru" || inLang === "kk") && isContentLang(code) ? LANGUAGE_NAMES[inLang][code] : undefined;
}

import { pluralIn } from "../i18n/plural";
import { letterLanguage, letterStrings, SIGNATORIES, type LetterStrings } from "./strings";

/**
 * Language-dependent formatting for one letter: numbers, plural counts, dates, country and
 * language names, all through Intl in the letter's language (Node ships full ICU, which knows
 * Kazakh, Kyrgyz, Uzbek and Tajik). Dates are printed in UTC and the column heading says so.
 *
 * The two per-row lookups (date, country) are memoised in maps bounded by a size cap, so a
 * million rows cost a handful of Intl calls, and memory stays flat.
 */
/**
 * Where a letter language's dates follow a regional form: English letters go to European
 * institutions, so they read "3 December 2026" and "03/12/2026" (en-GB), not the US forms.
 */
const DATE_LOCALES: Readonly<Record<string, string>> = { en: "en-GB", ar: "ar-u-nu-latn", fa: "fa-u-ca-gregory-nu-latn" };

/**
 * Arabic and Persian numbers in the Latin digits the rest of the letter (codes, addresses, row
 * numbers, the ledger root) is in; Persian dates in the Gregorian calendar (Intl's "fa" default is
 * the Solar Hijri one), so a date reads the same day in every version of the letter.
 */
const NUMBER_LOCALES: Readonly<Record<string, string>> = { ar: "ar-u-nu-latn", fa: "fa-u-nu-latn" };

export class LetterFormat {
  readonly lang: string;
  readonly strings: LetterStrings;
  private readonly numbers: Intl.NumberFormat;
  private readonly longDate: Intl.DateTimeFormat;
  private readonly shortDate: Intl.DateTimeFormat;
  private readonly regions: Intl.DisplayNames;
  private readonly languages: Intl.DisplayNames;
  private readonly days = new Map<number, string>();
  private readonly countries = new Map<string, string>();

  constructor(lang: string) {
    this.lang = letterLanguage(lang);
    this.strings = letterStrings(lang);
    this.numbers = new Intl.NumberFormat(NUMBER_LOCALES[this.lang] ?? this.lang);
    const dateLocale = DATE_LOCALES[this.lang] ?? this.lang;
    this.longDate = new Intl.DateTimeFormat(dateLocale, { dateStyle: "long", timeZone: "UTC" });
    this.shortDate = new Intl.DateTimeFormat(dateLocale, { year: "numeric", month: "2-digit", day: "2-digit", timeZone: "UTC" });
    this.regions = new Intl.DisplayNames(this.lang, { type: "region", fallback: "code" });
    this.languages = new Intl.DisplayNames(this.lang, { type: "language", fallback: "code" });
  }

  number(n: number): string {
    return this.numbers.format(n);
  }

  /** "1 234 signatories" with the right plural form. */
  signatories(n: number): string {
    return pluralIn(SIGNATORIES, letterLanguage(this.lang), n)(this.number(n));
  }

  /** The letter's date line, e.g. "5 марта 2025 г.". */
  date(d: Date): string {
    return this.longDate.format(d);
  }

  /** Compact date for a list row, e.g. "05.03.2025"; memoised per UTC day. */
  day(d: Date): string {
    const key = Math.floor(d.getTime() / 86_400_000);
    let s = this.days.get(key);
    if (s === undefined) {
      s = Number.isFinite(key) ? this.shortDate.format(d) : "";
      if (this.days.size >= 4096) this.days.clear();
      this.days.set(key, s);
    }
    return s;
  }

  /** Country name from an ISO 3166 code, in the letter's language; an unknown code prints as given. */
  country(code: string): string {
    let s = this.countries.get(code);
    if (s === undefined) {
      const upper = code.trim().toUpperCase();
      try {
        s = this.regions.of(upper) ?? upper;
      } catch {
        s = code.trim();
      }
      if (this.countries.size >= 1024) this.countries.clear();
      this.countries.set(code, s);
    }
    return s;
  }

  /** A language's name in the letter's language ("Russian", "русский", "орыс тілі"). */
  languageName(code: string): string {
    try {
      return this.languages.of(code) ?? code;
    } catch {
      return code;
    }
  }
}

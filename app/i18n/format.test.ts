import { describe, expect, it } from "vitest";
import { formatDate, formatNumber, knownLanguageName } from "./format";
import { CONTENT_LANGUAGES, UI_LANGUAGES } from "./languages";

// Our tables must give exactly what Node's ICU gives (the server rendered with it before),
// so that pages look the same and hydrate in browsers whose ICU differs.
describe("formatting shared by the server and the browser", () => {
  const dates = Array.from({ length: 12 }, (_, m) => [
    new Date(Date.UTC(2026, m, 5, 2, 7)),
    new Date(Date.UTC(2027, m, 28, 14, 30)),
    new Date(Date.UTC(2025, m, 1, 0, 0)),
  ]).flat();

  it.each(UI_LANGUAGES)("dates in %s match Intl (Node)", (lang) => {
    const long = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" });
    const short = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
    const datetime = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
    for (const d of dates) {
      expect(formatDate(lang, d)).toBe(long.format(d));
      expect(formatDate(lang, d.toISOString(), "short")).toBe(short.format(d));
      expect(formatDate(lang, d, "datetime")).toBe(`${datetime.format(d)} UTC`);
    }
  });

  it.each(UI_LANGUAGES)("numbers in %s match Intl (Node)", (lang) => {
    const f = new Intl.NumberFormat(lang);
    for (const n of [0, 1, 7, 42, 999, 1000, 1001, 12_345, 100_000, 1_234_567, 987_654_321, -1500, 1.5, 0.25]) expect(formatNumber(lang, n)).toBe(f.format(n));
  });

  it.each(UI_LANGUAGES)("language names in %s match Intl (Node)", (lang) => {
    const names = new Intl.DisplayNames([lang], { type: "language" });
    for (const code of CONTENT_LANGUAGES) expect(knownLanguageName(code, lang)).toBe(names.of(code));
  });
});

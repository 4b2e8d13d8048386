import type { ContentLang } from "./languages";

/**
 * The plural categories (CLDR, as `Intl.PluralRules` selects them) of every language we write
 * counts in: "1 signature / 2 signatures" in English, "1 подпись / 2 подписи / 5 подписей" in
 * Russian. A table of forms must name every category of its language — the compiler refuses a
 * missing one (see `PluralForms`), and plural.test.ts checks this table against Intl.
 */
export const PLURAL_CATEGORIES = {
  en: ["one", "other"],
  ru: ["one", "few", "many", "other"],
  kk: ["one", "other"],
  uk: ["one", "few", "many", "other"],
  pl: ["one", "few", "many", "other"],
  de: ["one", "other"],
  fr: ["one", "many", "other"],
  es: ["one", "many", "other"],
  ky: ["one", "other"],
  uz: ["one", "other"],
  tg: ["one", "other"],
  ar: ["zero", "one", "two", "few", "many", "other"],
  fa: ["one", "other"],
} as const satisfies Record<ContentLang, readonly Intl.LDMLPluralRule[]>;

export type PluralLang = keyof typeof PLURAL_CATEGORIES;
export type PluralCategory<L extends PluralLang> = (typeof PLURAL_CATEGORIES)[L][number];

/** One form per plural category of language `L` (all of them, no more; every language has `other`). */
export type PluralForms<L extends PluralLang, T = string> = { readonly [C in PluralCategory<L>]: T } & { readonly other: T };

const rules = new Map<PluralLang, Intl.PluralRules>();

/** The plural category of `n` in `lang`, among those the table lists for it. */
export function pluralCategory<L extends PluralLang>(lang: L, n: number): PluralCategory<L> | "other" {
  let r = rules.get(lang);
  if (!r) rules.set(lang, (r = new Intl.PluralRules(lang)));
  const selected = r.select(n);
  const known: readonly PluralCategory<L>[] = PLURAL_CATEGORIES[lang];
  return known.find((c) => c === selected) ?? "other";
}

/** `pluralize("ru", 3, { one: "подпись", few: "подписи", many: "подписей", other: "подписи" })` → "подписи". */
export function pluralize<L extends PluralLang, T>(lang: L, n: number, forms: PluralForms<L, T>): T {
  const category = pluralCategory(lang, n);
  return category === "other" ? forms.other : forms[category];
}

/** Forms of one word or phrase in several languages, each with all of its language's categories. */
export type PluralTable<L extends PluralLang, T = string> = { readonly [K in L]: PluralForms<K, T> };

/** The form of `table` for `lang` and `n`: `pluralIn(DAYS, lang, 5)` with DAYS = { en: {...}, ru: {...}, kk: {...} }. */
export function pluralIn<L extends PluralLang, T>(table: PluralTable<L, T>, lang: L, n: number): T {
  return pluralize(lang, n, table[lang]);
}

import type { UiLang } from "./languages";
import type { PluralCategory } from "./plural";

type PluralBase<T> = { [K in keyof T]: K extends `${infer B}_other` ? B : never }[keyof T];
/** The forms a language needs beyond English's `_one` / `_other` (Russian: `_few`, `_many`), all required. */
type ExtraPlurals<T, L extends UiLang> = Record<`${PluralBase<T> & string}_${Exclude<PluralCategory<L>, "one" | "other">}`, string>;

/**
 * A group of UI strings: English defines the keys, Russian and Kazakh must translate every
 * one (the compiler refuses a missing or unknown key). `{name}` marks a value to fill in;
 * keys ending in `_one` / `_other` are plural forms, and a language must add every other form
 * its grammar has (Russian `_few` and `_many`; see ./plural and `plural()` in ./index).
 */
export function defineMessages<const T extends Record<string, string>>(messages: {
  en: T;
  ru: { [K in keyof T]: string } & ExtraPlurals<T, "ru">;
  kk: { [K in keyof T]: string } & ExtraPlurals<T, "kk">;
}): { [L in UiLang]: { [K in keyof T]: string } } {
  return messages;
}

import type { UiLang } from "./languages";

type PluralBase<T> = { [K in keyof T]: K extends `${infer B}_other` ? B : never }[keyof T];
type ExtraPlurals<T> = Partial<Record<`${PluralBase<T> & string}_${"zero" | "two" | "few" | "many"}`, string>>;

/**
 * A group of UI strings: English defines the keys, Russian and Kazakh must translate every
 * one (the compiler refuses a missing or unknown key). `{name}` marks a value to fill in;
 * keys ending in `_one` / `_other` are plural forms, and a language may add the forms its
 * grammar needs (`_few`, `_many`...; see `plural()` in ./index).
 */
export function defineMessages<const T extends Record<string, string>>(messages: {
  en: T;
  ru: { [K in keyof T]: string } & ExtraPlurals<T>;
  kk: { [K in keyof T]: string } & ExtraPlurals<T>;
}): { [L in UiLang]: { [K in keyof T]: string } } {
  return messages;
}

import { appeals } from "./messages/appeals";
import { auth } from "./messages/auth";
import { campaign } from "./messages/campaign";
import { common } from "./messages/common";
import { dashboard } from "./messages/dashboard";
import { delivery } from "./messages/delivery";
import { letters } from "./messages/letters";
import { signing } from "./messages/signing";
import { mailbox } from "./messages/mailbox";
import { textCheck } from "./messages/text-check";
import { certificate } from "./messages/certificate";
import { ledger } from "./messages/ledger";
import { receipts } from "./messages/receipts";
import { openpgp } from "./messages/openpgp";
import { minimal } from "./messages/minimal";
import { spread } from "./messages/spread";
import { register } from "./messages/register";
import { revisions } from "./messages/revisions";
import { paper } from "./messages/paper";
import { responses } from "./messages/responses";
import { formatDate, formatNumber, knownLanguageName } from "./format";
import { DEFAULT_LANG, type UiLang } from "./languages";
import { pluralCategory } from "./plural";

export * from "./languages";

/**
 * Every UI string, by area. A new area: add a file in ./messages built with defineMessages()
 * and list it here. Everything listed here reaches the browser: e-mail words are not listed (they
 * are in ./messages/emails.server.ts, read through ./email.server).
 */
const areas = [
  common,
  auth,
  appeals,
  dashboard,
  signing,
  letters,
  campaign,
  mailbox,
  textCheck,
  delivery,
  certificate,
  ledger,
  receipts,
  openpgp,
  minimal,
  spread,
  register,
  revisions,
  paper,
  responses,
] as const;

/** A group of strings made with defineMessages(): one table per interface language. */
type Area = { readonly [L in UiLang]: Readonly<Record<string, string>> };
type KeysOf<A> = A extends { en: infer E } ? keyof E : never;
export type MessageKey = KeysOf<(typeof areas)[number]> & string;
type PluralKey<K> = K extends `${infer B}_other` ? B : never;
export type PluralMessageKey = PluralKey<MessageKey>;

export type Vars = Record<string, string | number>;

function fill(template: string, vars?: Vars) {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export interface Translator<K extends string = MessageKey> {
  lang: UiLang;
  t: (key: K, vars?: Vars) => string;
  /** `plural("home.signatures", 5)` picks home.signatures_one/_few/_many/_other by the language's rules. */
  plural: (base: PluralKey<K>, count: number, vars?: Vars) => string;
  number: (n: number) => string;
  date: (d: Date | string, style?: "long" | "short" | "datetime") => string;
}

/**
 * The translators of a set of areas, each built once per language (Intl objects are costly to
 * create). The UI's are `translator` below; the e-mails' are in ./email.server (server-only).
 */
export function translatorsOf<const A extends readonly Area[]>(of: A): (lang: UiLang) => Translator<KeysOf<A[number]> & string> {
  const dictionaries: Record<UiLang, Record<string, string>> = { en: {}, ru: {}, kk: {} };
  for (const area of of) {
    for (const lang of Object.keys(dictionaries) as UiLang[]) Object.assign(dictionaries[lang], area[lang]);
  }
  const translators = new Map<UiLang, Translator<KeysOf<A[number]> & string>>();
  return (lang) => {
    let cached = translators.get(lang);
    if (!cached) translators.set(lang, (cached = makeTranslator(lang, dictionaries)));
    return cached;
  };
}

/** The translator of a language, for the interface's strings. */
export const translator: (lang: UiLang) => Translator = translatorsOf(areas);

function makeTranslator<K extends string>(lang: UiLang, dictionaries: Record<UiLang, Record<string, string>>): Translator<K> {
  const dict = dictionaries[lang];
  const fallback = dictionaries[DEFAULT_LANG];
  const t = (key: K, vars?: Vars) => fill(dict[key] ?? fallback[key] ?? key, vars);
  // Numbers and dates come from ./format, not Intl: the server and the browser must agree.
  return {
    lang,
    t,
    plural: (base, count, vars) => {
      const form = pluralCategory(lang, count);
      const key = `${base}_${form}`;
      const template = dict[key] ?? dict[`${base}_other`] ?? fallback[`${base}_other`] ?? base;
      return fill(template, { count: formatNumber(lang, count), ...vars });
    },
    number: (n) => formatNumber(lang, n),
    date: (d, style = "long") => formatDate(lang, d, style),
  };
}

/** A language's name in another language ("Russian", "русский", "орыс тілі"), capitalised. */
export function languageName(code: string, inLang: string): string {
  try {
    const name = knownLanguageName(code, inLang) ?? new Intl.DisplayNames([inLang], { type: "language" }).of(code) ?? code;
    return name.charAt(0).toLocaleUpperCase(inLang) + name.slice(1);
  } catch {
    return code;
  }
}

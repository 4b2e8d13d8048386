import { pluralIn, type PluralTable } from "../app/i18n/plural";
import { renderEmail, type EmailContent } from "./layout.js";

const strings = {
  en: {
    subject: "Open letter: {title}",
    greeting: "Dear {addressee},",
    intro: "Please find attached the open letter “{title}”, signed by {count} {people}, with the list of its signatories.",
    link: "The letter is too large to attach; download it here",
    verify: "You can check that this letter is authentic and unaltered with its verification code {code}",
    footer: "Sent through Appeals on behalf of the organizers of this letter.",
  },
  ru: {
    subject: "Открытое письмо: {title}",
    greeting: "Уважаемый(ая) {addressee}!",
    intro: "Направляем вам открытое письмо «{title}», подписанное {count} {people}, со списком подписавших.",
    link: "Письмо слишком большое для вложения; скачать его можно здесь",
    verify: "Подлинность и неизменность письма можно проверить по коду {code}",
    footer: "Отправлено через «Обращения» от имени организаторов письма.",
  },
  kk: {
    subject: "Ашық хат: {title}",
    greeting: "Құрметті {addressee}!",
    intro: "Сізге {count} {people} қол қойған «{title}» ашық хатын қол қойғандар тізімімен бірге жолдаймыз.",
    link: "Хат тіркеуге тым үлкен; оны мына жерден жүктеп алыңыз",
    verify: "Хаттың түпнұсқалығын және өзгермегенін {code} коды арқылы тексеруге болады",
    footer: "Хат ұйымдастырушыларының атынан «Үндеулер» арқылы жіберілді.",
  },
} as const;

const PEOPLE: PluralTable<keyof typeof strings> = {
  en: { one: "person", other: "people" },
  ru: { one: "человеком", few: "людьми", many: "людьми", other: "людьми" },
  kk: { one: "адам", other: "адам" },
};

const fill = (t: string, v: Record<string, string | number>) => t.replace(/\{(\w+)\}/g, (_, k: string) => String(v[k] ?? ""));

/** The e-mail that carries a delivery letter to an addressee, in the letter's language. */
export function deliveryEmail(
  lang: string,
  v: { addressee: string; title: string; count: number; code: string; verifyUrl: string; downloadUrl: string | null },
): EmailContent {
  const key = lang === "ru" || lang === "kk" ? lang : "en";
  const s = strings[key];
  const vars = { addressee: v.addressee, title: v.title, code: v.code, count: new Intl.NumberFormat(key).format(v.count), people: pluralIn(PEOPLE, key, v.count) };
  return renderEmail({
    lang: key,
    subject: fill(s.subject, vars),
    heading: fill(s.greeting, vars),
    blocks: [
      { p: fill(s.intro, vars) },
      ...(v.downloadUrl ? [{ button: { label: s.link, url: v.downloadUrl } }] : []),
      { link: { label: fill(s.verify, vars), url: v.verifyUrl } },
    ],
    footer: s.footer,
  });
}

import { countryName } from "../app/data/countries";
import { formatDate } from "../app/i18n/format";
import type { Disclosure, SignatureStatus } from "../db/schema";
import { renderEmail, type EmailContent } from "./layout.js";

export interface HeldSignature {
  appeal: string;
  url: string;
  name: string;
  city: string | null;
  /** ISO 3166 code, shown as the country's name in the recipient's language. */
  country: string | null;
  organization: string | null;
  position: string | null;
  disclosure: Disclosure;
  keepInformed: boolean;
  status: SignatureStatus;
  signedAt: Date | string;
  confirmedAt: Date | string | null;
}

type MailLang = "en" | "ru" | "kk";

const DISCLOSURE: Record<MailLang, Record<Disclosure, string>> = {
  en: { public: "name and city", initials: "initials and city", private: "not shown publicly (your name still goes in the delivered letter)" },
  ru: { public: "имя и город", initials: "инициалы и город", private: "не показывается публично (имя всё равно будет в письме адресатам)" },
  kk: { public: "аты-жөні және қаласы", initials: "бас әріптері және қаласы", private: "жария көрсетілмейді (атыңыз бәрібір адресаттарға жіберілетін хатта болады)" },
};

const STATUS: Record<MailLang, Record<SignatureStatus, string>> = {
  en: { pending: "not confirmed yet", confirmed: "confirmed", withdrawn: "withdrawn", removed: "removed by the organizers" },
  ru: { pending: "ещё не подтверждена", confirmed: "подтверждена", withdrawn: "отозвана", removed: "удалена организаторами" },
  kk: { pending: "әлі расталмаған", confirmed: "расталған", withdrawn: "кері алынған", removed: "ұйымдастырушылар өшірген" },
};

const strings = {
  en: { subject: "What Appeals holds about you", heading: "Your data on Appeals", intro: "You asked for everything we hold about this e-mail address. Here it is, appeal by appeal:", none: "We hold nothing about this address.", footer: "Appeals — open letters signed by citizens.", address: "E-mail address", fields: ["Appeal", "Name", "City", "Country", "Organization", "Position", "Shown publicly as", "Keep informed", "Status", "Signed", "Confirmed"], yes: "yes", no: "no" },
  ru: { subject: "Какие данные о вас хранят «Обращения»", heading: "Ваши данные в «Обращениях»", intro: "Вы запросили всё, что мы храним об этом адресе. Вот данные по каждому обращению:", none: "Об этом адресе мы ничего не храним.", footer: "«Обращения» — открытые письма, подписанные гражданами.", address: "Адрес электронной почты", fields: ["Обращение", "Имя", "Город", "Страна", "Организация", "Должность", "Публичное отображение", "Новости", "Статус", "Подписано", "Подтверждено"], yes: "да", no: "нет" },
  kk: { subject: "«Үндеулер» сіз туралы қандай деректер сақтайды", heading: "«Үндеулердегі» деректеріңіз", intro: "Сіз осы мекенжай туралы біз сақтайтын барлық деректі сұрадыңыз. Әр үндеу бойынша деректер:", none: "Бұл мекенжай туралы біз ештеңе сақтамаймыз.", footer: "«Үндеулер» — азаматтар қол қойған ашық хаттар.", address: "Электрондық пошта мекенжайы", fields: ["Үндеу", "Аты-жөні", "Қала", "Ел", "Ұйым", "Лауазымы", "Жария көрсетілуі", "Жаңалықтар", "Күйі", "Қол қойылды", "Расталды"], yes: "иә", no: "жоқ" },
} as const;

/** Everything held about an address, sent to that address only. */
export function myDataEmail(lang: MailLang, email: string, rows: HeldSignature[]): EmailContent {
  const s = strings[lang];
  const blocks = rows.length
    ? [
        { p: s.intro },
        { p: `${s.address}: ${email}` },
        ...rows.map((r) => ({
          p: [
            `${s.fields[0]}: ${r.appeal} (${r.url})`,
            `${s.fields[1]}: ${r.name}`,
            `${s.fields[2]}: ${r.city ?? "—"}`,
            `${s.fields[3]}: ${r.country ? countryName(r.country, lang) : "—"}`,
            `${s.fields[4]}: ${r.organization ?? "—"}`,
            `${s.fields[5]}: ${r.position ?? "—"}`,
            `${s.fields[6]}: ${DISCLOSURE[lang][r.disclosure]}`,
            `${s.fields[7]}: ${r.keepInformed ? s.yes : s.no}`,
            `${s.fields[8]}: ${STATUS[lang][r.status]}`,
            `${s.fields[9]}: ${formatDate(lang, r.signedAt)}`,
            `${s.fields[10]}: ${r.confirmedAt ? formatDate(lang, r.confirmedAt) : "—"}`,
          ].join("\n"),
        })),
      ]
    : [{ p: s.none }];
  return renderEmail({ lang, subject: s.subject, heading: s.heading, blocks, footer: s.footer });
}

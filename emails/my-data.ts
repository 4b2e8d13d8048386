import { renderEmail, type EmailContent } from "./layout.js";

export interface HeldSignature {
  appeal: string;
  url: string;
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  disclosure: string;
  keepInformed: boolean;
  status: string;
  signedAt: string;
  confirmedAt: string | null;
}

const strings = {
  en: { subject: "What Appeals holds about you", heading: "Your data on Appeals", intro: "You asked for everything we hold about this e-mail address. Here it is, appeal by appeal:", none: "We hold nothing about this address.", footer: "Appeals — open letters signed by citizens.", fields: ["Appeal", "Name", "City", "Country", "Organization", "Position", "Shown publicly as", "Keep informed", "Status", "Signed", "Confirmed"], yes: "yes", no: "no" },
  ru: { subject: "Какие данные о вас хранят «Обращения»", heading: "Ваши данные в «Обращениях»", intro: "Вы запросили всё, что мы храним об этом адресе. Вот данные по каждому обращению:", none: "Об этом адресе мы ничего не храним.", footer: "«Обращения» — открытые письма, подписанные гражданами.", fields: ["Обращение", "Имя", "Город", "Страна", "Организация", "Должность", "Публичное отображение", "Новости", "Статус", "Подписано", "Подтверждено"], yes: "да", no: "нет" },
  kk: { subject: "«Үндеулер» сіз туралы қандай деректер сақтайды", heading: "«Үндеулердегі» деректеріңіз", intro: "Сіз осы мекенжай туралы біз сақтайтын барлық деректі сұрадыңыз. Әр үндеу бойынша деректер:", none: "Бұл мекенжай туралы біз ештеңе сақтамаймыз.", footer: "«Үндеулер» — азаматтар қол қойған ашық хаттар.", fields: ["Үндеу", "Аты-жөні", "Қала", "Ел", "Ұйым", "Лауазымы", "Жария көрсетілуі", "Жаңалықтар", "Күйі", "Қол қойылды", "Расталды"], yes: "иә", no: "жоқ" },
} as const;

/** Everything held about an address, sent to that address only. */
export function myDataEmail(lang: "en" | "ru" | "kk", email: string, rows: HeldSignature[]): EmailContent {
  const s = strings[lang];
  const blocks = rows.length
    ? [
        { p: s.intro },
        { p: `E-mail: ${email}` },
        ...rows.map((r) => ({
          p: [
            `${s.fields[0]}: ${r.appeal} (${r.url})`,
            `${s.fields[1]}: ${r.name}`,
            `${s.fields[2]}: ${r.city ?? "—"}`,
            `${s.fields[3]}: ${r.country ?? "—"}`,
            `${s.fields[4]}: ${r.organization ?? "—"}`,
            `${s.fields[5]}: ${r.position ?? "—"}`,
            `${s.fields[6]}: ${r.disclosure}`,
            `${s.fields[7]}: ${r.keepInformed ? s.yes : s.no}`,
            `${s.fields[8]}: ${r.status}`,
            `${s.fields[9]}: ${r.signedAt}`,
            `${s.fields[10]}: ${r.confirmedAt ?? "—"}`,
          ].join("\n"),
        })),
      ]
    : [{ p: s.none }];
  return renderEmail({ lang, subject: s.subject, heading: s.heading, blocks, footer: s.footer });
}

import { pluralIn, type PluralTable } from "../app/i18n/plural";
import { renderEmail, type EmailBlock, type EmailContent } from "./layout.js";

const strings = {
  en: {
    subject: "Open letter from {organization}: {title}",
    greeting: "Dear {addressee},",
    intro: "{organization} sends you the open letter “{title}”, signed by {count} {people}.",
    attached: "Attached: the letter with the list of its signatories (PDF).",
    attachedWithDocuments: "Attached: the letter with the list of its signatories (PDF), and its supporting documents: {documents}.",
    documentsAttached: "Attached: its supporting documents: {documents}.",
    link: "The letter is too large to attach; download it here",
    notAttached: "Too large to attach; download it here: {name}",
    verify: "You can check that this letter is authentic and unaltered with its verification code {code}",
    reply: "To answer, simply reply to this e-mail: your reply goes to {organization} ({contact}).",
    footer: "Sent automatically through Appeals on behalf of {organization}, the organizers of this letter.",
  },
  ru: {
    subject: "Открытое письмо: {title} — {organization}",
    greeting: "Уважаемый(ая) {addressee}!",
    intro: "{organization} направляет вам открытое письмо «{title}», подписанное {count} {people}.",
    attached: "Во вложении: письмо со списком подписавших (PDF).",
    attachedWithDocuments: "Во вложении: письмо со списком подписавших (PDF) и сопроводительные документы: {documents}.",
    documentsAttached: "Во вложении — сопроводительные документы: {documents}.",
    link: "Письмо слишком большое для вложения; скачать его можно здесь",
    notAttached: "Слишком большой для вложения, скачать здесь: {name}",
    verify: "Подлинность и неизменность письма можно проверить по коду {code}",
    reply: "Чтобы ответить, просто ответьте на это письмо: ответ получат организаторы — {organization} ({contact}).",
    footer: "Отправлено автоматически через «Обращения» от имени организаторов письма: {organization}.",
  },
  kk: {
    subject: "Ашық хат: {title} — {organization}",
    greeting: "Құрметті {addressee}!",
    intro: "{organization} сізге {count} {people} қол қойған «{title}» ашық хатын жолдайды.",
    attached: "Тіркемеде: қол қойғандар тізімі бар хат (PDF).",
    attachedWithDocuments: "Тіркемеде: қол қойғандар тізімі бар хат (PDF) және қосымша құжаттар: {documents}.",
    documentsAttached: "Тіркемеде — қосымша құжаттар: {documents}.",
    link: "Хат тіркеуге тым үлкен; оны мына жерден жүктеп алыңыз",
    notAttached: "Тіркеуге тым үлкен, мына жерден жүктеп алыңыз: {name}",
    verify: "Хаттың түпнұсқалығын және өзгермегенін {code} коды арқылы тексеруге болады",
    reply: "Жауап беру үшін осы хатқа жауап жазыңыз: жауабыңызды ұйымдастырушылар алады — {organization} ({contact}).",
    footer: "Хат ұйымдастырушылары атынан «Үндеулер» арқылы автоматты түрде жіберілді: {organization}.",
  },
} as const;

const PEOPLE: PluralTable<keyof typeof strings> = {
  en: { one: "person", other: "people" },
  ru: { one: "человеком", few: "людьми", many: "людьми", other: "людьми" },
  kk: { one: "адам", other: "адам" },
};

const fill = (t: string, v: Record<string, string | number>) => t.replace(/\{(\w+)\}/g, (_, k: string) => String(v[k] ?? ""));

export interface DeliveryEmailValues {
  addressee: string;
  organization: string;
  /** The organization's contact address: named in the text, and the Reply-To of the message. */
  contact: string;
  title: string;
  count: number;
  code: string;
  verifyUrl: string;
  /** Set when the letter is too large to attach: where the addressee downloads it. */
  downloadUrl: string | null;
  /** Supporting documents attached to the message (file names). */
  documents: string[];
  /** Supporting documents too large to attach: their public download addresses. */
  documentLinks: Array<{ name: string; url: string }>;
}

/**
 * The e-mail that carries a delivery letter to an addressee, in the letter's language. It names
 * the organization, says exactly what is attached, and is answered by replying (Reply-To: the
 * organization's contact address); `Auto-Submitted: auto-generated` (RFC 3834) tells the
 * receiving system that a machine sent it, so no vacation auto-reply loops back.
 */
export function deliveryEmail(lang: string, v: DeliveryEmailValues): EmailContent & { headers: Record<string, string> } {
  const key = lang === "ru" || lang === "kk" ? lang : "en";
  const s = strings[key];
  const vars = {
    addressee: v.addressee,
    organization: v.organization,
    contact: v.contact,
    title: v.title,
    code: v.code,
    count: new Intl.NumberFormat(key).format(v.count),
    documents: v.documents.join(", "),
    people: pluralIn(PEOPLE, key, v.count),
  };
  const blocks: EmailBlock[] = [{ p: fill(s.intro, vars) }];
  if (v.downloadUrl) blocks.push({ button: { label: s.link, url: v.downloadUrl } });
  else blocks.push({ p: fill(v.documents.length ? s.attachedWithDocuments : s.attached, vars) });
  if (v.downloadUrl && v.documents.length) blocks.push({ p: fill(s.documentsAttached, vars) });
  for (const d of v.documentLinks) blocks.push({ link: { label: fill(s.notAttached, { name: d.name }), url: d.url } });
  blocks.push({ link: { label: fill(s.verify, vars), url: v.verifyUrl } }, { p: fill(s.reply, vars) });
  const content = renderEmail({ lang: key, subject: fill(s.subject, vars), heading: fill(s.greeting, vars), blocks, footer: fill(s.footer, vars) });
  return { ...content, headers: { "Reply-To": v.contact, "Auto-Submitted": "auto-generated" } };
}

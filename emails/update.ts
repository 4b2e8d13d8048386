import { renderEmail, type EmailContent } from "./layout.js";

/** Where each recipient's own unsubscribe link goes; filled in per row when the mails are queued. */
export const UNSUBSCRIBE_PLACEHOLDER = "__UNSUBSCRIBE_URL__";

const strings = {
  en: { update: "Update on the appeal “{title}”", response: "A response to the appeal “{title}”", read: "Read it on the appeal's page", unsubscribe: "Unsubscribe from updates on this appeal (one click)", why: "You receive this because you asked to be kept informed when you signed." },
  ru: { update: "Новости обращения «{title}»", response: "Ответ на обращение «{title}»", read: "Читать на странице обращения", unsubscribe: "Отписаться от этих писем (в один клик)", why: "Вы получили это письмо, потому что при подписании попросили сообщать новости." },
  kk: { update: "«{title}» үндеуі туралы жаңалық", response: "«{title}» үндеуіне жауап", read: "Үндеу бетінде оқу", unsubscribe: "Бұл хаттардан бас тарту (бір басу)", why: "Бұл хатты алдыңыз, себебі қол қойғанда жаңалықтарды хабарлауды сұрадыңыз." },
} as const;

/** The interface language an update in `lang` is written in (its words, its unsubscribe page). */
export const updateMailLang = (lang: string): "en" | "ru" | "kk" => (lang === "ru" || lang === "kk" ? lang : "en");

/**
 * An update e-mail in one language; the unsubscribe URL is a placeholder replaced per recipient
 * (the link opens the unsubscribe page in the same language).
 */
export function updateEmail(lang: string, v: { kind: "update" | "response"; appealTitle: string; title: string; body: string; pageUrl: string }): EmailContent {
  const key = updateMailLang(lang);
  const s = strings[key];
  const subject = s[v.kind].replace("{title}", v.appealTitle);
  const content = renderEmail({
    lang: key,
    subject,
    heading: v.title,
    blocks: [...v.body.split(/\n{2,}/).map((p) => ({ p })), { link: { label: s.read, url: v.pageUrl } }, { link: { label: s.unsubscribe, url: `${UNSUBSCRIBE_PLACEHOLDER}?lang=${key}` } }, { p: s.why }],
    footer: subject,
  });
  return content;
}

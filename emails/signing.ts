import { pluralIn, type PluralTable } from "../app/i18n/plural";
import { renderEmail, type EmailContent } from "./layout.js";

export type MailLang = "en" | "ru" | "kk";

const s = {
  confirm: {
    en: {
      subject: "Confirm your signature: {title}",
      heading: "One more step: confirm your signature",
      intro: "Hello {name}, you signed the appeal “{title}”. Your signature counts only once you confirm it. The link works for {days}.",
      button: "Confirm my signature",
      notMe: "It wasn't me",
      withdraw: "Changed your mind later? Withdraw your signature",
      why: "You receive this e-mail because this address was entered on the appeal's page. Your address is never shown publicly; the organizers receive it only if you asked to be kept informed.",
    },
    ru: {
      subject: "Подтвердите подпись: {title}",
      heading: "Последний шаг: подтвердите подпись",
      intro: "Здравствуйте, {name}! Вы подписали обращение «{title}». Подпись засчитывается только после подтверждения. Ссылка действует {days}.",
      button: "Подтвердить подпись",
      notMe: "Это был не я",
      withdraw: "Передумали позже? Отозвать подпись",
      why: "Вы получили это письмо, потому что этот адрес был указан на странице обращения. Ваш адрес никогда не показывается публично; организаторы получат его, только если вы попросили сообщать новости.",
    },
    kk: {
      subject: "Қолтаңбаңызды растаңыз: {title}",
      heading: "Соңғы қадам: қолтаңбаңызды растаңыз",
      intro: "Сәлеметсіз бе, {name}! Сіз «{title}» үндеуіне қол қойдыңыз. Қолтаңба тек расталғаннан кейін есептеледі. Сілтеме {days} жарамды.",
      button: "Қолтаңбамды растау",
      notMe: "Бұл мен емеспін",
      withdraw: "Кейін ойыңыз өзгерді ме? Қолтаңбаны кері алу",
      why: "Бұл хатты алдыңыз, себебі осы мекенжай үндеу бетінде енгізілді. Мекенжайыңыз ешқашан жария көрсетілмейді; ұйымдастырушылар оны сіз жаңалықтарды хабарлауды сұрасаңыз ғана алады.",
    },
  },
  already: {
    en: {
      subject: "You have already signed: {title}",
      heading: "You have already signed this appeal",
      intro: "Someone (probably you) tried to sign “{title}” again with this address. Your earlier signature stands; nothing else was recorded.",
      withdraw: "To withdraw your signature",
    },
    ru: {
      subject: "Вы уже подписали: {title}",
      heading: "Вы уже подписали это обращение",
      intro: "Кто-то (вероятно, вы) снова попытался подписать «{title}» с этим адресом. Ваша прежняя подпись в силе; больше ничего не записано.",
      withdraw: "Чтобы отозвать подпись",
    },
    kk: {
      subject: "Сіз бұрын қол қойғансыз: {title}",
      heading: "Сіз бұл үндеуге бұрын қол қойғансыз",
      intro: "Біреу (мүмкін сіз) осы мекенжаймен «{title}» үндеуіне қайта қол қоюға тырысты. Бұрынғы қолтаңбаңыз күшінде; басқа ештеңе жазылған жоқ.",
      withdraw: "Қолтаңбаны кері алу үшін",
    },
  },
  footer: {
    en: "Appeals — open letters signed by citizens.",
    ru: "«Обращения» — открытые письма, подписанные гражданами.",
    kk: "«Үндеулер» — азаматтар қол қойған ашық хаттар.",
  },
} as const;

const fill = (t: string, v: Record<string, string | number>) => t.replace(/\{(\w+)\}/g, (_, k: string) => String(v[k] ?? ""));

const DAY_WORDS: PluralTable<MailLang> = {
  en: { one: "day", other: "days" },
  ru: { one: "день", few: "дня", many: "дней", other: "дня" },
  kk: { one: "күн", other: "күн" },
};

/** "7 days", "2 дня", "7 күн". */
function days(lang: MailLang, n: number) {
  return `${n} ${pluralIn(DAY_WORDS, lang, n)}`;
}

export function confirmEmail(lang: MailLang, v: { name: string; title: string; days: number; confirmUrl: string; rejectUrl: string; withdrawUrl: string }): EmailContent {
  const t = s.confirm[lang];
  return renderEmail({
    lang,
    subject: fill(t.subject, v),
    heading: t.heading,
    blocks: [
      { p: fill(t.intro, { ...v, days: days(lang, v.days) }) },
      { button: { label: t.button, url: v.confirmUrl } },
      { link: { label: t.notMe, url: v.rejectUrl } },
      { link: { label: t.withdraw, url: v.withdrawUrl } },
      { p: t.why },
    ],
    footer: s.footer[lang],
  });
}

export function alreadySignedEmail(lang: MailLang, v: { title: string; withdrawUrl: string }): EmailContent {
  const t = s.already[lang];
  return renderEmail({
    lang,
    subject: fill(t.subject, v),
    heading: t.heading,
    blocks: [{ p: fill(t.intro, v) }, { link: { label: t.withdraw, url: v.withdrawUrl } }],
    footer: s.footer[lang],
  });
}

import { renderEmail, type EmailContent } from "./layout.js";

type Lang = "en" | "ru" | "kk";

const strings = {
  login: {
    en: {
      subject: "Your sign-in link for Appeals",
      heading: "Sign in to Appeals",
      intro: "Someone (hopefully you) asked to sign in to Appeals with this address. The link works once, for 15 minutes.",
      button: "Open the sign-in page",
      ignore: "If it wasn't you, ignore this e-mail: nothing happens without the link.",
    },
    ru: {
      subject: "Ссылка для входа в «Обращения»",
      heading: "Вход в «Обращения»",
      intro: "Кто-то (надеемся, вы) запросил вход в «Обращения» с этим адресом. Ссылка действует один раз в течение 15 минут.",
      button: "Открыть страницу входа",
      ignore: "Если это были не вы, просто проигнорируйте письмо: без ссылки ничего не произойдёт.",
    },
    kk: {
      subject: "«Үндеулерге» кіру сілтемесі",
      heading: "«Үндеулерге» кіру",
      intro: "Біреу (сіз деп үміттенеміз) осы мекенжаймен «Үндеулерге» кіруді сұрады. Сілтеме 15 минут ішінде бір рет жұмыс істейді.",
      button: "Кіру бетін ашу",
      ignore: "Егер бұл сіз болмасаңыз, хатты елемеңіз: сілтемесіз ештеңе болмайды.",
    },
  },
  invite: {
    en: {
      subject: "You have been added to {org} on Appeals",
      heading: "Welcome to {org}",
      intro: "You can now draft and manage appeals of {org} on Appeals. Sign in with this e-mail address (no password needed).",
      button: "Sign in",
      ignore: "If you did not expect this, you can ignore this e-mail or ask the organization to remove you.",
    },
    ru: {
      subject: "Вас добавили в {org} на платформе «Обращения»",
      heading: "Добро пожаловать в {org}",
      intro: "Теперь вы можете готовить и вести обращения {org}. Войдите с этим адресом электронной почты (пароль не нужен).",
      button: "Войти",
      ignore: "Если вы этого не ожидали, проигнорируйте письмо или попросите организацию удалить вас.",
    },
    kk: {
      subject: "Сізді «Үндеулер» платформасында {org} ұйымына қосты",
      heading: "{org} ұйымына қош келдіңіз",
      intro: "Енді сіз {org} үндеулерін дайындап, басқара аласыз. Осы электрондық поштамен кіріңіз (құпиясөз қажет емес).",
      button: "Кіру",
      ignore: "Егер сіз мұны күтпесеңіз, хатты елемеңіз немесе ұйымнан сізді шығаруды сұраңыз.",
    },
  },
  footer: {
    en: "Appeals — open letters signed by citizens.",
    ru: "«Обращения» — открытые письма, подписанные гражданами.",
    kk: "«Үндеулер» — азаматтар қол қойған ашық хаттар.",
  },
} as const;

const fill = (s: string, vars: Record<string, string>) => s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");

export function loginEmail(lang: Lang, url: string): EmailContent {
  const s = strings.login[lang];
  return renderEmail({
    lang,
    subject: s.subject,
    heading: s.heading,
    blocks: [{ p: s.intro }, { button: { label: s.button, url } }, { p: s.ignore }],
    footer: strings.footer[lang],
  });
}

export function inviteEmail(lang: Lang, org: string, url: string): EmailContent {
  const s = strings.invite[lang];
  const v = { org };
  return renderEmail({
    lang,
    subject: fill(s.subject, v),
    heading: fill(s.heading, v),
    blocks: [{ p: fill(s.intro, v) }, { button: { label: s.button, url } }, { p: s.ignore }],
    footer: strings.footer[lang],
  });
}

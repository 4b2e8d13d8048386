import { defineMessages } from "../define";

/**
 * The e-mails of an organization's self-registration (issue 17 item 6): the owner's one-time link,
 * and the operator's approval. Server-only, like ./emails.server.
 */
export const registerEmails = defineMessages({
  en: {
    "email.register.subject": "Confirm the registration of {org} on Appeals",
    "email.register.heading": "Register {org}",
    "email.register.intro":
      "Someone (hopefully you) asked to register the organization {org} on Appeals with this address as its owner. Open the link to confirm; you will be signed in. It works once, for 60 minutes.",
    "email.register.button": "Confirm the registration",
    "email.register.ignore": "If it wasn't you, ignore this e-mail: without the link nothing is registered, and this address is not kept.",
    "email.approved.subject": "{org} is approved on Appeals",
    "email.approved.heading": "{org} can publish now",
    "email.approved.intro":
      "The site's operator approved {org}. Your appeals can be published from now on. Sign in with this e-mail address (no password needed).",
    "email.approved.button": "Sign in",
  },
  ru: {
    "email.register.subject": "Подтвердите регистрацию организации «{org}» в «Обращениях»",
    "email.register.heading": "Регистрация организации «{org}»",
    "email.register.intro":
      "Кто-то (надеемся, вы) попросил зарегистрировать организацию «{org}» в «Обращениях» с этим адресом в качестве владельца. Откройте ссылку, чтобы подтвердить; вы сразу войдёте. Ссылка действует один раз в течение 60 минут.",
    "email.register.button": "Подтвердить регистрацию",
    "email.register.ignore":
      "Если это были не вы, просто не обращайте внимания на письмо: без ссылки ничего не будет зарегистрировано, а этот адрес не сохранится.",
    "email.approved.subject": "Организация «{org}» одобрена в «Обращениях»",
    "email.approved.heading": "«{org}» теперь может публиковать",
    "email.approved.intro":
      "Оператор сайта одобрил организацию «{org}». Теперь ваши обращения можно публиковать. Входите с этим адресом электронной почты (пароль не нужен).",
    "email.approved.button": "Войти",
  },
  kk: {
    "email.register.subject": "«{org}» ұйымының «Үндеулердегі» тіркелуін растаңыз",
    "email.register.heading": "«{org}» ұйымын тіркеу",
    "email.register.intro":
      "Біреу (сіз деп үміттенеміз) «{org}» ұйымын «Үндеулерде» осы мекенжайды иесі ретінде көрсетіп тіркеуді сұрады. Растау үшін сілтемені ашыңыз; сіз бірден кіресіз. Сілтеме 60 минут ішінде бір рет жұмыс істейді.",
    "email.register.button": "Тіркеуді растау",
    "email.register.ignore": "Егер бұл сіз болмасаңыз, хатты елемеңіз: сілтемесіз ештеңе тіркелмейді, ал бұл мекенжай сақталмайды.",
    "email.approved.subject": "«{org}» ұйымы «Үндеулерде» мақұлданды",
    "email.approved.heading": "«{org}» енді жариялай алады",
    "email.approved.intro":
      "Сайт операторы «{org}» ұйымын мақұлдады. Енді үндеулеріңізді жариялауға болады. Осы электрондық пошта мекенжайымен кіріңіз (құпиясөз қажет емес).",
    "email.approved.button": "Кіру",
  },
});

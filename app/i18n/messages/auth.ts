import { defineMessages } from "../define";

export const auth = defineMessages({
  en: {
    "login.title": "Sign in for organizers",
    "login.intro": "Enter the e-mail address your organization registered. We will send you a one-time link; no password needed.",
    "login.email": "E-mail address",
    "login.submit": "Send me a sign-in link",
    "login.sent":
      "If this address belongs to an organizer, a sign-in link is on its way. It works once, for 15 minutes. Check your inbox (and the spam folder).",
    "login.tokenTitle": "Sign in to Appeals",
    "login.tokenIntro": "Press the button to sign in on this device.",
    "login.tokenButton": "Sign in",
    "login.invalid": "This sign-in link is not valid. Ask for a new one.",
    "login.expired": "This sign-in link has expired (links work for 15 minutes). Ask for a new one.",
    "login.used": "This sign-in link has already been used. Ask for a new one.",
    "login.again": "Ask for a new link",
    "logout.everywhere": "Sign out on all devices",
    "account.title": "Your account",
    "account.signedInAs": "Signed in as {email}",
    "login.alreadySent":
      "We already sent a sign-in link to this address a moment ago. Check your mail (and the spam folder): that link works for 15 minutes. You can ask for another one a little later.",
    "login.tooMany": "Too many sign-in requests came from your network. Wait a few minutes, then try again.",
  },
  ru: {
    "login.title": "Вход для организаторов",
    "login.intro": "Введите адрес электронной почты, который зарегистрировала ваша организация. Мы пришлём одноразовую ссылку; пароль не нужен.",
    "login.email": "Адрес электронной почты",
    "login.submit": "Прислать ссылку для входа",
    "login.sent":
      "Если этот адрес принадлежит организатору, ссылка для входа уже отправлена. Она действует один раз в течение 15 минут. Проверьте почту (и папку «Спам»).",
    "login.tokenTitle": "Вход в «Обращения»",
    "login.tokenIntro": "Нажмите кнопку, чтобы войти на этом устройстве.",
    "login.tokenButton": "Войти",
    "login.invalid": "Эта ссылка для входа недействительна. Запросите новую.",
    "login.expired": "Срок действия ссылки истёк (ссылки действуют 15 минут). Запросите новую.",
    "login.used": "Эта ссылка уже использована. Запросите новую.",
    "login.again": "Запросить новую ссылку",
    "logout.everywhere": "Выйти на всех устройствах",
    "account.title": "Ваша учётная запись",
    "account.signedInAs": "Вы вошли как {email}",
    "login.alreadySent":
      "Мы уже отправили ссылку для входа на этот адрес совсем недавно. Проверьте почту (и папку «Спам»): ссылка действует 15 минут. Новую можно будет запросить чуть позже.",
    "login.tooMany": "Из вашей сети пришло слишком много запросов на вход. Подождите несколько минут и попробуйте снова.",
  },
  kk: {
    "login.title": "Ұйымдастырушыларға кіру",
    "login.intro": "Ұйымыңыз тіркеген электрондық пошта мекенжайын енгізіңіз. Біз бір реттік сілтеме жібереміз; құпиясөз қажет емес.",
    "login.email": "Электрондық пошта мекенжайы",
    "login.submit": "Кіру сілтемесін жіберу",
    "login.sent":
      "Егер бұл мекенжай ұйымдастырушыға тиесілі болса, кіру сілтемесі жіберілді. Ол 15 минут ішінде бір рет жұмыс істейді. Поштаңызды (және «Спам» қалтасын) тексеріңіз.",
    "login.tokenTitle": "«Үндеулерге» кіру",
    "login.tokenIntro": "Осы құрылғыда кіру үшін батырманы басыңыз.",
    "login.tokenButton": "Кіру",
    "login.invalid": "Бұл кіру сілтемесі жарамсыз. Жаңасын сұраңыз.",
    "login.expired": "Бұл сілтеменің мерзімі өтті (сілтемелер 15 минут жұмыс істейді). Жаңасын сұраңыз.",
    "login.used": "Бұл сілтеме бұрын қолданылған. Жаңасын сұраңыз.",
    "login.again": "Жаңа сілтеме сұрау",
    "logout.everywhere": "Барлық құрылғыларда шығу",
    "account.title": "Сіздің есептік жазбаңыз",
    "account.signedInAs": "Сіз {email} ретінде кірдіңіз",
    "login.alreadySent":
      "Біз бұл мекенжайға кіру сілтемесін жаңа ғана жібердік. Поштаңызды (және «Спам» қалтасын) тексеріңіз: сілтеме 15 минут жұмыс істейді. Жаңасын сәл кейінірек сұрауға болады.",
    "login.tooMany": "Сіздің желіңізден кіруге тым көп сұрау келді. Бірнеше минут күтіп, қайта көріңіз.",
  },
});

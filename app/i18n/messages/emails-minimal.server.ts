import { defineMessages } from "../define";

/**
 * The minimal-data preset's e-mail words (issue 14 point 2): a subject and a sender name that name
 * neither the appeal nor the organization, for every e-mail to a signer of such an appeal.
 * Server-only, like ./emails.server.
 */
export const emailsMinimal = defineMessages({
  en: {
    "email.neutral.sender": "Notifications",
    "email.neutral.subject.confirm": "Please confirm your request",
    "email.neutral.subject.already": "About your request",
    "email.neutral.subject.receipt": "Your receipt",
    "email.neutral.subject.update": "News about your request",
    "email.neutral.subject.myData": "Your data",
  },
  ru: {
    "email.neutral.sender": "Уведомления",
    "email.neutral.subject.confirm": "Пожалуйста, подтвердите ваш запрос",
    "email.neutral.subject.already": "О вашем запросе",
    "email.neutral.subject.receipt": "Ваша квитанция",
    "email.neutral.subject.update": "Новости по вашему запросу",
    "email.neutral.subject.myData": "Ваши данные",
  },
  kk: {
    "email.neutral.sender": "Хабарламалар",
    "email.neutral.subject.confirm": "Сұрауыңызды растаңыз",
    "email.neutral.subject.already": "Сұрауыңыз туралы",
    "email.neutral.subject.receipt": "Түбіртегіңіз",
    "email.neutral.subject.update": "Сұрауыңыз бойынша жаңалық",
    "email.neutral.subject.myData": "Деректеріңіз",
  },
});

import { defineMessages } from "../define";

/** The e-mail to informed signers when an addressee answers (issue 17 item 8). Server-only, like ./emails.server. */
export const emailsResponses = defineMessages({
  en: {
    "email.response.heading": "Response from {from}, {date}",
    "email.response.headingNeutral": "A response received on {date}",
    "email.response.readWithFile": "Read it on the appeal's page, with the letter as received ({type}, {size})",
    "email.response.sizeKb": "{size} KB",
    "email.response.sizeMb": "{size} MB",
  },
  ru: {
    "email.response.heading": "Ответ: {from}, {date}",
    "email.response.headingNeutral": "Ответ, полученный {date}",
    "email.response.readWithFile": "Читать на странице обращения, там же письмо в том виде, в каком оно пришло ({type}, {size})",
    "email.response.sizeKb": "{size} КБ",
    "email.response.sizeMb": "{size} МБ",
  },
  kk: {
    "email.response.heading": "Жауап: {from}, {date}",
    "email.response.headingNeutral": "{date} алынған жауап",
    "email.response.readWithFile": "Үндеу бетінде оқу, сонда келген күйіндегі хат та бар ({type}, {size})",
    "email.response.sizeKb": "{size} КБ",
    "email.response.sizeMb": "{size} МБ",
  },
});

import { defineMessages } from "../define";

/** The e-mail to informed signers when an addressee answers (issue 17 item 8). Server-only, like ./emails.server. */
export const emailsResponses = defineMessages({
  en: {
    "email.response.heading": "Response from {from}, {date}",
    "email.response.headingNeutral": "A response received on {date}",
    "email.response.file": "The response as received ({type}, {size})",
    "email.response.sizeKb": "{size} KB",
    "email.response.sizeMb": "{size} MB",
  },
  ru: {
    "email.response.heading": "Ответ: {from}, {date}",
    "email.response.headingNeutral": "Ответ, полученный {date}",
    "email.response.file": "Ответ в том виде, в каком он пришёл ({type}, {size})",
    "email.response.sizeKb": "{size} КБ",
    "email.response.sizeMb": "{size} МБ",
  },
  kk: {
    "email.response.heading": "Жауап: {from}, {date}",
    "email.response.headingNeutral": "{date} алынған жауап",
    "email.response.file": "Келген күйіндегі жауап ({type}, {size})",
    "email.response.sizeKb": "{size} КБ",
    "email.response.sizeMb": "{size} МБ",
  },
});

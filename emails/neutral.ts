import { emailTranslator } from "../app/i18n/email.server";
import { SENDER_NAME_HEADER } from "./layout.js";

type MailLang = "en" | "ru" | "kk";
export type NeutralKind = "confirm" | "already" | "receipt" | "update" | "myData";

/**
 * The minimal-data preset (issue 14 point 2): every e-mail to a signer of such an appeal has a
 * subject and a sender name that name neither the appeal nor the organization, so a mailbox's list
 * of subjects and senders (what a provider scans, what shows on a locked phone) says nothing of it.
 */
export function neutralSubject(lang: MailLang, kind: NeutralKind): string {
  return emailTranslator(lang).t(`email.neutral.subject.${kind}`);
}

/** The outbox headers that make the transport send the neutral sender name (SENDER_NAME_HEADER). */
export function neutralSender(lang: MailLang): Record<string, string> {
  return { [SENDER_NAME_HEADER]: emailTranslator(lang).t("email.neutral.sender") };
}

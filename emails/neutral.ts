import { emailTranslator } from "../app/i18n/email.server";

type MailLang = "en" | "ru" | "kk";

/**
 * An outbox header the transport turns into the From display name (and never sends): how a mail
 * queued for a minimal-data appeal carries its neutral sender name. The address stays MAIL_FROM's.
 */
export const SENDER_NAME_HEADER = "X-Appeals-Sender-Name";
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

import { emailTranslator } from "../app/i18n/email.server";
import { renderEmail, type EmailContent } from "./layout.js";
import { neutralSubject } from "./neutral.js";
import { UNSUBSCRIBE_PLACEHOLDER, updateMailLang } from "./update.js";

/** "PDF", "PNG", "JPEG" from a stored file's type. */
export const fileTypeLabel = (contentType: string) => (contentType === "application/pdf" ? "PDF" : contentType.replace("image/", "").toUpperCase());

/**
 * An addressee's response, e-mailed to the signers who asked to be kept informed: who answered
 * and when (the heading), the response's text, the link to it on the appeal's page (where the
 * institution's own letter, when there is one, is downloaded: its type and size are said here), and the one-click unsubscribe link (a placeholder filled in
 * per recipient, as for updates: emails/update.ts).
 */
export function responseEmail(
  lang: string,
  v: {
    appealTitle: string;
    from: string;
    /** The day it was received, YYYY-MM-DD. */
    receivedOn: string;
    body: string;
    pageUrl: string;
    file: { contentType: string; size: number } | null;
    neutral?: boolean;
  },
): EmailContent {
  const key = updateMailLang(lang);
  const { t, date, number } = emailTranslator(key);
  // A minimal-data appeal's subject (also the footer) and heading name neither the appeal nor who answered.
  const subject = v.neutral ? neutralSubject(key, "update") : t("email.update.subject.response", { title: v.appealTitle });
  const day = date(v.receivedOn);
  const heading = v.neutral || !v.from ? t("email.response.headingNeutral", { date: day }) : t("email.response.heading", { from: v.from, date: day });
  const size = v.file
    ? v.file.size >= 1024 * 1024
      ? t("email.response.sizeMb", { size: number(Math.round((v.file.size / 1024 / 1024) * 10) / 10) })
      : t("email.response.sizeKb", { size: number(Math.max(1, Math.round(v.file.size / 1024))) })
    : "";
  return renderEmail({
    lang: key,
    subject,
    heading,
    blocks: [
      ...v.body.split(/\n{2,}/).map((p) => ({ p })),
      // One link, to the response on the page (the letter is downloaded there): a mail with fewer
      // links reads less like bulk mail, and the page is where the file's availability is decided.
      {
        link: { label: v.file ? t("email.response.readWithFile", { type: fileTypeLabel(v.file.contentType), size }) : t("email.update.read"), url: v.pageUrl },
      },
      { link: { label: t("email.update.unsubscribe"), url: `${UNSUBSCRIBE_PLACEHOLDER}?lang=${key}` } },
      { p: t("email.update.why") },
    ],
    footer: subject,
  });
}

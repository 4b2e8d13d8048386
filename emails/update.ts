import { emailTranslator } from "../app/i18n/email.server";
import { renderEmail, type EmailContent } from "./layout.js";
import { neutralSubject } from "./neutral.js";

/** Where each recipient's own unsubscribe link goes; filled in per row when the mails are queued. */
export const UNSUBSCRIBE_PLACEHOLDER = "__UNSUBSCRIBE_URL__";

/** The interface language an update in `lang` is written in (its words, its unsubscribe page). */
export const updateMailLang = (lang: string): "en" | "ru" | "kk" => (lang === "ru" || lang === "kk" ? lang : "en");

/**
 * An update e-mail in one language; the unsubscribe URL is a placeholder replaced per recipient
 * (the link opens the unsubscribe page in the same language).
 */
export function updateEmail(
  lang: string,
  v: { kind: "update" | "response"; appealTitle: string; title: string; body: string; pageUrl: string; neutral?: boolean },
): EmailContent {
  const key = updateMailLang(lang);
  const { t } = emailTranslator(key);
  // A minimal-data appeal's subject (also the footer) names neither the appeal nor the organization.
  const subject = v.neutral ? neutralSubject(key, "update") : t(`email.update.subject.${v.kind}`, { title: v.appealTitle });
  const content = renderEmail({
    lang: key,
    subject,
    heading: v.title,
    blocks: [
      ...v.body.split(/\n{2,}/).map((p) => ({ p })),
      { link: { label: t("email.update.read"), url: v.pageUrl } },
      { link: { label: t("email.update.unsubscribe"), url: `${UNSUBSCRIBE_PLACEHOLDER}?lang=${key}` } },
      { p: t("email.update.why") },
    ],
    footer: subject,
  });
  return content;
}

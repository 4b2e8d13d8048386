import { emailTranslator } from "../app/i18n/email.server";
import { renderEmail, type EmailContent } from "./layout.js";
import { neutralSubject } from "./neutral.js";

export type MailLang = "en" | "ru" | "kk";

export function confirmEmail(
  lang: MailLang,
  // neutral: a minimal-data appeal's subject, naming neither the appeal nor the organization (emails/neutral.ts).
  { neutral, ...v }: { name: string; title: string; days: number; confirmUrl: string; rejectUrl: string; withdrawUrl: string; neutral?: boolean },
): EmailContent {
  const { t, plural } = emailTranslator(lang);
  return renderEmail({
    lang,
    subject: neutral ? neutralSubject(lang, "confirm") : t("email.confirm.subject", v),
    heading: t("email.confirm.heading"),
    blocks: [
      // "7 days", "2 дня", "7 күн".
      { p: t("email.confirm.intro", { ...v, days: plural("email.confirm.days", v.days) }) },
      { button: { label: t("email.confirm.button"), url: v.confirmUrl } },
      { link: { label: t("email.confirm.notMe"), url: v.rejectUrl } },
      { link: { label: t("email.confirm.withdraw"), url: v.withdrawUrl } },
      { p: t("email.confirm.why") },
    ],
    footer: t("email.footer"),
  });
}

export function alreadySignedEmail(lang: MailLang, { neutral, ...v }: { title: string; withdrawUrl: string; neutral?: boolean }): EmailContent {
  const { t } = emailTranslator(lang);
  return renderEmail({
    lang,
    subject: neutral ? neutralSubject(lang, "already") : t("email.already.subject", v),
    heading: t("email.already.heading"),
    blocks: [{ p: t("email.already.intro", v) }, { link: { label: t("email.already.withdraw"), url: v.withdrawUrl } }],
    footer: t("email.footer"),
  });
}

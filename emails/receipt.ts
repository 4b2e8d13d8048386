import { emailTranslator } from "../app/i18n/email.server";
import { renderEmail, type EmailContent } from "./layout.js";
import { neutralSubject } from "./neutral.js";
import type { MailLang } from "./signing.js";

/** A signer's receipt (issue 13 point 4), sent only when they ticked "also send it by e-mail". */
export function receiptEmail(lang: MailLang, { neutral, ...v }: { title: string; receipt: string; verifyUrl: string; neutral?: boolean }): EmailContent {
  const { t } = emailTranslator(lang);
  return renderEmail({
    lang,
    subject: neutral ? neutralSubject(lang, "receipt") : t("email.receipt.subject", v),
    heading: t("email.receipt.heading"),
    blocks: [{ p: t("email.receipt.intro", v) }, { p: v.receipt }, { p: t("email.receipt.check", v) }, { p: t("email.receipt.warning") }],
    footer: t("email.footer"),
  });
}

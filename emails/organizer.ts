import { emailTranslator } from "../app/i18n/email.server";
import { renderEmail, type EmailContent } from "./layout.js";

type Lang = "en" | "ru" | "kk";

export function loginEmail(lang: Lang, url: string): EmailContent {
  const { t } = emailTranslator(lang);
  return renderEmail({
    lang,
    subject: t("email.login.subject"),
    heading: t("email.login.heading"),
    blocks: [{ p: t("email.login.intro") }, { button: { label: t("email.login.button"), url } }, { p: t("email.login.ignore") }],
    footer: t("email.footer"),
  });
}

export function inviteEmail(lang: Lang, org: string, url: string): EmailContent {
  const { t } = emailTranslator(lang);
  const v = { org };
  return renderEmail({
    lang,
    subject: t("email.invite.subject", v),
    heading: t("email.invite.heading", v),
    blocks: [{ p: t("email.invite.intro", v) }, { button: { label: t("email.invite.button"), url } }, { p: t("email.invite.ignore") }],
    footer: t("email.footer"),
  });
}

/** An organization's self-registration: the owner's one-time link (app/services/registration.server.ts). */
export function registerEmail(lang: Lang, org: string, url: string): EmailContent {
  const { t } = emailTranslator(lang);
  const v = { org };
  return renderEmail({
    lang,
    subject: t("email.register.subject", v),
    heading: t("email.register.heading", v),
    blocks: [{ p: t("email.register.intro", v) }, { button: { label: t("email.register.button"), url } }, { p: t("email.register.ignore") }],
    footer: t("email.footer"),
  });
}

/** The operator approved a registered organization (`npm run org:approve`). */
export function approvedEmail(lang: Lang, org: string, url: string): EmailContent {
  const { t } = emailTranslator(lang);
  const v = { org };
  return renderEmail({
    lang,
    subject: t("email.approved.subject", v),
    heading: t("email.approved.heading", v),
    blocks: [{ p: t("email.approved.intro", v) }, { button: { label: t("email.approved.button"), url } }],
    footer: t("email.footer"),
  });
}

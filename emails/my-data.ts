import { countryName } from "../app/data/countries";
import { emailTranslator } from "../app/i18n/email.server";
import type { Disclosure, SignatureStatus } from "../db/schema";
import { renderEmail, type EmailContent } from "./layout.js";
import { neutralSubject } from "./neutral.js";

export interface HeldSignature {
  appeal: string;
  url: string;
  name: string;
  city: string | null;
  /** ISO 3166 code, shown as the country's name in the recipient's language. */
  country: string | null;
  organization: string | null;
  position: string | null;
  disclosure: Disclosure;
  keepInformed: boolean;
  status: SignatureStatus;
  signedAt: Date | string;
  confirmedAt: Date | string | null;
}

type MailLang = "en" | "ru" | "kk";

/** Everything held about an address, sent to that address only. */
/** `neutral`: one of the appeals has the minimal-data preset (emails/neutral.ts). */
export function myDataEmail(lang: MailLang, email: string, rows: HeldSignature[], options: { neutral?: boolean } = {}): EmailContent {
  const { t, date } = emailTranslator(lang);
  const blocks = rows.length
    ? [
        { p: t("email.myData.intro") },
        { p: `${t("email.myData.address")}: ${email}` },
        ...rows.map((r) => ({
          p: [
            `${t("email.myData.field.appeal")}: ${r.appeal} (${r.url})`,
            `${t("email.myData.field.name")}: ${r.name}`,
            `${t("email.myData.field.city")}: ${r.city ?? "—"}`,
            `${t("email.myData.field.country")}: ${r.country ? countryName(r.country, lang) : "—"}`,
            `${t("email.myData.field.organization")}: ${r.organization ?? "—"}`,
            `${t("email.myData.field.position")}: ${r.position ?? "—"}`,
            `${t("email.myData.field.disclosure")}: ${t(`email.myData.disclosure.${r.disclosure}`)}`,
            `${t("email.myData.field.keepInformed")}: ${t(r.keepInformed ? "email.myData.yes" : "email.myData.no")}`,
            `${t("email.myData.field.status")}: ${t(`email.myData.status.${r.status}`)}`,
            `${t("email.myData.field.signed")}: ${date(r.signedAt)}`,
            `${t("email.myData.field.confirmed")}: ${r.confirmedAt ? date(r.confirmedAt) : "—"}`,
          ].join("\n"),
        })),
      ]
    : [{ p: t("email.myData.none") }];
  return renderEmail({
    lang,
    subject: options.neutral ? neutralSubject(lang, "myData") : t("email.myData.subject"),
    heading: t("email.myData.heading"),
    blocks,
    footer: t("email.footer"),
  });
}

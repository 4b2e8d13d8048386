import { emailTranslator } from "../app/i18n/email.server";
import { renderEmail, type EmailBlock, type EmailContent } from "./layout.js";

export interface DeliveryEmailValues {
  addressee: string;
  organization: string;
  /** The organization's contact address: named in the text, and the Reply-To of the message. */
  contact: string;
  title: string;
  count: number;
  code: string;
  verifyUrl: string;
  /** Set when the letter is too large to attach: where the addressee downloads it. */
  downloadUrl: string | null;
  /** Supporting documents attached to the message (file names). */
  documents: string[];
  /** Supporting documents too large to attach: their public download addresses. */
  documentLinks: Array<{ name: string; url: string }>;
  /** The SHA-256 fingerprint of the certificate the PDF is signed with (null: a letter made before signing). */
  signerFingerprint?: string | null;
  /** The fingerprint of the addressee's OpenPGP key when the letter is encrypted to it (a .pdf.gpg, attached or linked). */
  encryptedTo?: string | null;
}

/**
 * The e-mail that carries a delivery letter to an addressee, in the letter's language. It names
 * the organization, says exactly what is attached, and is answered by replying (Reply-To: the
 * organization's contact address); `Auto-Submitted: auto-generated` (RFC 3834) tells the
 * receiving system that a machine sent it, so no vacation auto-reply loops back.
 */
export function deliveryEmail(lang: string, v: DeliveryEmailValues): EmailContent & { headers: Record<string, string> } {
  const key = lang === "ru" || lang === "kk" ? lang : "en";
  const { t, plural } = emailTranslator(key);
  const vars = {
    addressee: v.addressee,
    organization: v.organization,
    contact: v.contact,
    title: v.title,
    code: v.code,
    documents: v.documents.join(", "),
  };
  const blocks: EmailBlock[] = [{ p: plural("email.delivery.intro", v.count, vars) }];
  if (v.downloadUrl) blocks.push({ button: { label: t("email.delivery.link"), url: v.downloadUrl } });
  else blocks.push({ p: t(v.documents.length ? "email.delivery.attachedWithDocuments" : "email.delivery.attached", vars) });
  if (v.encryptedTo) blocks.push({ p: t("email.delivery.encrypted", { ...vars, fingerprint: v.encryptedTo }) });
  if (v.downloadUrl && v.documents.length) blocks.push({ p: t("email.delivery.documentsAttached", vars) });
  for (const d of v.documentLinks) blocks.push({ link: { label: t("email.delivery.notAttached", { name: d.name }), url: d.url } });
  blocks.push({ link: { label: t("email.delivery.verify", vars), url: v.verifyUrl } });
  if (v.signerFingerprint) blocks.push({ p: t("email.delivery.signed", { ...vars, fingerprint: v.signerFingerprint }) });
  blocks.push({ p: t("email.delivery.reply", vars) });
  const content = renderEmail({
    lang: key,
    subject: t("email.delivery.subject", vars),
    heading: t("email.delivery.greeting", vars),
    blocks,
    footer: t("email.delivery.footer", vars),
  });
  return { ...content, headers: { "Reply-To": v.contact, "Auto-Submitted": "auto-generated" } };
}

/** Every e-mail is a subject, an HTML part and a plain-text part, made from one template. */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export interface EmailBlock {
  /** A paragraph of plain text (escaped in HTML). */
  p?: string;
  /** A button (HTML) / a line with the URL (text). */
  button?: { label: string; url: string };
  /** A small-print link line. */
  link?: { label: string; url: string };
}

/**
 * The shared frame of our e-mails: simple, readable HTML (inline styles only, no images,
 * nothing fetched from other hosts) and the same content as plain text. Long words — links pasted
 * into an update, addresses, long names — wrap anywhere, so a phone never scrolls sideways.
 */
export function renderEmail(options: { lang: string; subject: string; heading: string; blocks: EmailBlock[]; footer: string }): EmailContent {
  const { lang, subject, heading, blocks, footer } = options;
  const htmlBlocks = blocks
    .map((b) => {
      if (b.p !== undefined) return `<p style="margin:0 0 16px">${escapeHtml(b.p).replace(/\n/g, "<br>")}</p>`;
      if (b.button)
        return `<p style="margin:24px 0"><a href="${escapeHtml(b.button.url)}" style="background:#1d4e89;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold;display:inline-block">${escapeHtml(b.button.label)}</a></p>`;
      if (b.link)
        return `<p style="margin:0 0 12px;font-size:14px;color:#505a66"><a href="${escapeHtml(b.link.url)}" style="color:#1d4e89">${escapeHtml(b.link.label)}</a></p>`;
      return "";
    })
    .join("\n");
  const html = `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f3f6f9;font-family:Arial,'DejaVu Sans',sans-serif;color:#1b1f24;line-height:1.5">
<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;overflow-wrap:anywhere;word-break:break-word">
<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(heading)}</h1>
${htmlBlocks}
<hr style="border:none;border-top:1px solid #d5dbe1;margin:24px 0">
<p style="font-size:12px;color:#505a66;margin:0">${escapeHtml(footer)}</p>
</div></body></html>`;
  const text = [
    heading,
    "",
    ...blocks.flatMap((b) => {
      if (b.p !== undefined) return [b.p, ""];
      if (b.button) return [`${b.button.label}:`, b.button.url, ""];
      if (b.link) return [`${b.link.label}: ${b.link.url}`, ""];
      return [];
    }),
    "--",
    footer,
    "",
  ].join("\n");
  return { subject, html, text };
}

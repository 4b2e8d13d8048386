/**
 * Text for an XML element or a quoted attribute (SVG, Atom, the sitemap): the five special
 * characters escaped, and the characters XML 1.0 does not allow at all (C0 controls but tab and
 * line breaks, lone surrogates, U+FFFE/F) dropped, so a stray one never makes the document unreadable.
 */
export function escapeXml(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

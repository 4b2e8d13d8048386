/**
 * Text for an XML element or attribute: the five special characters escaped, and the characters
 * XML 1.0 does not allow at all (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F)
 * dropped, so a stray one in an update's text never makes the whole feed unreadable.
 */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

import anyAscii from "any-ascii";
import type { FontkitFont } from "./pdfkit-internals.server";

/**
 * Turns user-supplied text into text the letter can print faithfully.
 *
 * Decision (context → decision → consequence):
 * - The letter embeds DejaVu Sans only. It covers Latin with diacritics, Cyrillic (all of
 *   Kazakh's Ә Ғ Қ Ң Ө Ұ Ү Һ І), Greek, Armenian and Georgian; those are printed as they are.
 *   (DejaVu Sans does draw Georgian and Armenian, so "ნინო ბერიძე" stays Georgian.)
 * - Han/Kana/Hangul, Devanagari, Thai and other scripts have no glyph in DejaVu: pdfkit would
 *   print empty boxes. Arabic, Hebrew and other right-to-left scripts do have glyphs, but pdfkit
 *   has no bidi algorithm and the list bypasses shaping, so they would come out in the wrong
 *   order with unjoined letters — garbage that looks like text. Both cases are treated alike:
 * - a character is printable when its script is Latin, Greek, Cyrillic, Armenian, Georgian,
 *   Common or Inherited AND every letter font (regular, bold, oblique, bold oblique) has a glyph
 *   for it. Runs of other characters are transliterated to Latin with `any-ascii`
 *   ("王小明" → "WangXiaoMing", "محمد" → "mhmd"), and the caller marks the name with † and
 *   reports it (RenderResult.flaggedNames), so the organizer knows the letter shows a
 *   transliteration and can attach the original if it matters.
 * - Control and format characters (bidi overrides, zero-width joiners, soft hyphens) are
 *   removed, line breaks become spaces, and text is NFC-normalised so "й" written as и + ̆ prints
 *   as one glyph.
 * - Markup characters (< > & ") are ordinary text: nothing here interprets them.
 */

const ALLOWED_SCRIPT =
  /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}\p{Script=Georgian}\p{Script=Common}\p{Script=Inherited}]/u;
const COMBINING_MARK = /\p{M}/u;
const PLAIN_ASCII = /^[\x20-\x7e]*$/;
const CONTROL = /\p{Cc}+/gu;
const FORMAT = /\p{Cf}+/gu;
const SPACES = /\s+/g;

export interface Printable {
  text: string;
  /** Some characters were replaced by their Latin transliteration. */
  transliterated: boolean;
}

const UNKNOWN = 0;
const OK = 1;
const BAD = 2;

export class PrintableText {
  /** Per code point: UNKNOWN, OK or BAD. 1.1 MB, filled lazily; bounded by Unicode itself. */
  private readonly status = new Uint8Array(0x110000);

  constructor(private readonly fonts: readonly FontkitFont[]) {
    for (let cp = 0x20; cp < 0x7f; cp++) this.status[cp] = OK;
  }

  canPrint(codePoint: number): boolean {
    let s = this.status[codePoint];
    if (s === UNKNOWN) {
      const ok =
        ALLOWED_SCRIPT.test(String.fromCodePoint(codePoint)) &&
        this.fonts.every((font) => font.hasGlyphForCodePoint(codePoint));
      s = ok ? OK : BAD;
      this.status[codePoint] = s;
    }
    return s === OK;
  }

  /**
   * Cleans `raw` (see the module comment) and transliterates what the fonts cannot print.
   * Whitespace runs become one space; `trim: false` keeps a leading/trailing space (inline
   * Markdown text next to bold or a link needs it).
   */
  clean(raw: string, trim = true): Printable {
    if (PLAIN_ASCII.test(raw)) {
      const collapsed = raw.indexOf("  ") === -1 ? raw : raw.replace(SPACES, " ");
      return { text: trim ? collapsed.trim() : collapsed, transliterated: false };
    }
    const spaced = raw.normalize("NFC").replace(CONTROL, " ").replace(FORMAT, "").replace(SPACES, " ");
    const normalized = trim ? spaced.trim() : spaced;
    let text = "";
    let bad = "";
    let transliterated = false;
    const flush = () => {
      if (bad) {
        text += anyAscii(bad) || "?";
        bad = "";
        transliterated = true;
      }
    };
    for (const ch of normalized) {
      const cp = ch.codePointAt(0) ?? 0x3f;
      // A combining mark belongs to the letter before it: transliterate it with that letter.
      if (bad && COMBINING_MARK.test(ch)) {
        bad += ch;
      } else if (this.canPrint(cp)) {
        flush();
        text += ch;
      } else {
        bad += ch;
      }
    }
    flush();
    return { text, transliterated };
  }
}

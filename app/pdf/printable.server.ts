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
 *   Common or Inherited AND the embedded fonts have a glyph for it (fontkit's
 *   hasGlyphForCodePoint on DejaVu Sans and Sans Bold, what names and headings are set in; the
 *   oblique faces lack only Arabic marks within those scripts, checked when this was written).
 *   Runs of other characters are transliterated to Latin with `any-ascii`
 *   ("王小明" → "WangXiaoMing", "محمد" → "mhmd"), and the caller marks the name with † and
 *   reports it (RenderResult.flaggedNames), so the organizer knows the letter shows a
 *   transliteration and can attach the original if it matters.
 * - Control and format characters (bidi overrides, zero-width joiners, soft hyphens) are
 *   removed, line breaks become spaces, and text is NFC-normalised so "й" written as и + ̆ prints
 *   as one glyph.
 * - Markup characters (< > & ") are ordinary text: nothing here interprets them.
 */

const ALLOWED_SCRIPT = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}\p{Script=Georgian}\p{Script=Common}\p{Script=Inherited}]/u;
const PLAIN_ASCII = /^[\x20-\x7e]*$/;
const SPACES = / {2,}/g;

export interface Printable {
  text: string;
  /** Some characters were replaced by their Latin transliteration. */
  transliterated: boolean;
}

/** What a code point is, for printing. */
const UNKNOWN = 0;
const PRINT = 1;
/** A printable combining mark: goes with the letter before it. */
const MARK = 2;
const TRANSLITERATE = 3;
/** White space and control characters: collapse into one space. */
const SPACE = 4;
/** Format characters (bidi controls, zero-width joiners, soft hyphen): dropped. */
const DROP = 5;

export class PrintableText {
  /** Per code point, its kind; 1.1 MB, filled lazily. */
  private readonly kinds = new Uint8Array(0x110000);

  constructor(private readonly fonts: readonly FontkitFont[]) {
    for (let cp = 0x21; cp < 0x7f; cp++) this.kinds[cp] = PRINT;
    this.kinds[0x20] = SPACE;
  }

  private kind(codePoint: number): number {
    let k = this.kinds[codePoint];
    if (k === UNKNOWN) {
      const ch = String.fromCodePoint(codePoint);
      if (/[\s\p{Cc}]/u.test(ch)) k = SPACE;
      else if (/\p{Cf}/u.test(ch)) k = DROP;
      else if (ALLOWED_SCRIPT.test(ch) && this.fonts.every((font) => font.hasGlyphForCodePoint(codePoint))) k = /\p{M}/u.test(ch) ? MARK : PRINT;
      else k = TRANSLITERATE;
      this.kinds[codePoint] = k;
    }
    return k;
  }

  /** Whether the letter prints this character as it is. */
  canPrint(codePoint: number): boolean {
    const k = this.kind(codePoint);
    return k === PRINT || k === MARK;
  }

  /** True when `s` prints as it is: only printable characters and single inner spaces. */
  private isClean(s: string): boolean {
    let previousSpace = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdfff) return false;
      const k = this.kind(c);
      if (k === SPACE) {
        if (c !== 0x20 || previousSpace) return false;
        previousSpace = true;
      } else if (k === PRINT || k === MARK) {
        previousSpace = false;
      } else {
        return false;
      }
    }
    return !previousSpace || s.length === 0;
  }

  /**
   * Cleans `raw` (see the module comment) and transliterates what the fonts cannot print.
   * White space runs become one space; `trim: false` keeps a leading/trailing space (inline
   * Markdown text next to bold or a link needs it).
   */
  clean(raw: string, trim = true): Printable {
    if (PLAIN_ASCII.test(raw)) {
      const collapsed = raw.indexOf("  ") === -1 ? raw : raw.replace(SPACES, " ");
      return { text: trim ? collapsed.trim() : collapsed, transliterated: false };
    }
    const s = raw.normalize("NFC");
    if (this.isClean(s)) return { text: s, transliterated: false };
    let text = "";
    let bad = "";
    let transliterated = false;
    let space = false;
    for (let i = 0; i < s.length; i++) {
      let cp = s.charCodeAt(i);
      let ch: string;
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
        cp = s.codePointAt(i) ?? cp;
        ch = s.slice(i, i + 2);
        i++;
      } else {
        ch = s[i];
      }
      const k = this.kind(cp);
      if (k === DROP) continue;
      if (k === SPACE) {
        space = true;
        continue;
      }
      if (k === TRANSLITERATE || (k === MARK && bad !== "")) {
        if (space) {
          if (bad !== "") text += anyAscii(bad) || "?";
          bad = "";
          if (text !== "" || !trim) text += " ";
          space = false;
        }
        bad += ch;
        transliterated = true;
        continue;
      }
      if (bad !== "") {
        text += anyAscii(bad) || "?";
        bad = "";
      }
      if (space) {
        if (text !== "" || !trim) text += " ";
        space = false;
      }
      text += ch;
    }
    if (bad !== "") text += anyAscii(bad) || "?";
    if (space && !trim) text += " ";
    return { text, transliterated };
  }
}

import anyAscii from "any-ascii";
import type { FontkitFont } from "./pdfkit-internals.server";
import { familyCovers, scriptFamilyOf, SCRIPT_FAMILIES } from "./script-fonts.server";

/**
 * Turns user-supplied text into text the letter can print faithfully.
 *
 * Decision (context → decision → consequence):
 * - DejaVu Sans, the letter's font, covers Latin with diacritics, Cyrillic (all of Kazakh's
 *   Ә Ғ Қ Ң Ө Ұ Ү Һ І), Greek, Armenian and Georgian; those are printed as they are by every part
 *   of the letter.
 * - Arabic script, Hebrew, Han/Kana, Hangul, Devanagari and Thai are drawn in their own fonts
 *   (script-fonts.server.ts), shaped and in bidi order (shaped-text.server.ts), where the caller
 *   asks for it with `scripts`: the signatory list's names, places and organizations, the
 *   heading's organization, addressees and title, and body paragraphs holding them (issue 15).
 * - What no bundled font draws (Ethiopic, Tibetan, Mongolian, Cherokee…) is transliterated to
 *   Latin with `any-ascii` ("አበበ" → "'abebe"), and the caller marks the name with † and reports
 *   it (RenderResult.flaggedNames): the organizer sees which names the letter shows transliterated.
 * - A character is printable in DejaVu when its script is Latin, Greek, Cyrillic, Armenian,
 *   Georgian, Common or Inherited AND the embedded fonts have a glyph for it (fontkit's
 *   hasGlyphForCodePoint on DejaVu Sans and Sans Bold, what names and headings are set in).
 * - Control and format characters (bidi overrides, soft hyphens) are removed (zero-width
 *   joiners and non-joiners are kept with `scripts`: Persian and Devanagari need them), line breaks become spaces, and text is NFC-normalised so "й" written as и + ̆ prints
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
  /**
   * The text keeps characters only a script family draws (with `scripts`): it must be drawn by
   * shaped-text.server.ts, not by DejaVu's cmap or pdfkit's text engine.
   */
  shaped: boolean;
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
/** Drawn in a script family's font (script-fonts.server.ts) when scripts are allowed, else transliterated. */
const SCRIPT = 6;
/** Zero-width non-joiner and joiner: they change how Persian or Devanagari letters join; kept with scripts, else dropped. */
const JOINER = 7;

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
      else if (codePoint === 0x200c || codePoint === 0x200d) k = JOINER;
      else if (/\p{Cf}/u.test(ch)) k = DROP;
      else if (ALLOWED_SCRIPT.test(ch) && this.fonts.every((font) => font.hasGlyphForCodePoint(codePoint))) k = /\p{M}/u.test(ch) ? MARK : PRINT;
      else if (this.scriptCovers(codePoint, ch)) k = SCRIPT;
      else k = TRANSLITERATE;
      this.kinds[codePoint] = k;
    }
    return k;
  }

  /** Whether a script family draws it: a letter of its script, or a sign or mark its fonts have. */
  private scriptCovers(codePoint: number, ch: string): boolean {
    const family = scriptFamilyOf(codePoint);
    if (family) return familyCovers(family, codePoint);
    return /[\p{Script=Common}\p{Script=Inherited}]/u.test(ch) && SCRIPT_FAMILIES.some((f) => familyCovers(f, codePoint));
  }

  /** Whether `text` holds a character only a script family draws (drawn by shaped-text.server.ts). */
  hasScripts(text: string): boolean {
    if (PLAIN_ASCII.test(text)) return false;
    for (const ch of text) if (this.kind(ch.codePointAt(0)!) === SCRIPT) return true;
    return false;
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
   * Markdown text next to bold or a link needs it). With `scripts`, what a script family draws
   * is kept (the caller draws it with shaped-text.server.ts) and only the rest is transliterated.
   */
  clean(raw: string, trim = true, scripts = false): Printable {
    if (PLAIN_ASCII.test(raw)) {
      const collapsed = raw.indexOf("  ") === -1 ? raw : raw.replace(SPACES, " ");
      return { text: trim ? collapsed.trim() : collapsed, transliterated: false, shaped: false };
    }
    const s = raw.normalize("NFC");
    if (this.isClean(s)) return { text: s, transliterated: false, shaped: false };
    let text = "";
    let bad = "";
    let transliterated = false;
    let shaped = false;
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
      let k = this.kind(cp);
      if (k === DROP || (k === JOINER && !scripts)) continue;
      if (k === SCRIPT) {
        if (scripts) shaped = true;
        else k = TRANSLITERATE;
      }
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
    // Joiners matter only between letters a script font shapes; DejaVu's path draws none.
    if (!shaped && scripts) text = text.replace(/[\u200c\u200d]/g, "");
    return { text, transliterated, shaped };
  }
}

import type { FontkitFont } from "./pdfkit-internals.server";

/**
 * Breaks words wider than a line before pdfkit sees them.
 *
 * Why: pdfkit's LineWrapper (eachWord) cuts a word wider than the line by re-measuring — and
 * re-shaping through fontkit — the whole rest of the word after every line it emits, so a word
 * of n characters costs n²/(characters per line): one 99,000-character word in an appeal body
 * took 12 minutes to lay out. Here every white-space-free run is measured once, with the font's
 * advance widths, and a run wider than the line is cut into pieces no wider than `maxWidth`.
 * The caller draws each piece with its own `doc.text` call of a `continued` chain: pdfkit may
 * break a line between two calls, every piece fits a line, pdfkit never cuts a word itself, and
 * layout is linear. (Not "\n" between the pieces: in a continued chain pdfkit starts the line
 * after a required break at the previous call's end x, so a piece no longer fits there and
 * pdfkit emits an empty line before it — double spacing, and lines below the page's bottom.)
 *
 * A piece prefers to end after a hyphen, slash or similar (where pdfkit would have broken a long
 * address), if that keeps at least half of the piece; it never ends before a combining mark or
 * inside a surrogate pair. The pieces put together are the text: no character is lost, doubled
 * or added to what a reader copies out of the PDF (a wrapped line ends there anyway). Text
 * whose words fit a line comes back as one piece, so it lays out exactly as before.
 *
 * `maxWidth` should leave some room under the real line width: pdfkit measures with kerning and
 * ligatures, advances do not. Should a piece still come out a little wider, pdfkit cuts that
 * piece itself — at a cost bounded by the piece, so still linear overall.
 */

/** The share of the line a broken word's pieces may fill (room for kerning; see above). */
export const WORD_ROOM = 0.9;

const BREAK_AFTER = new Set(["-", "/", "\\", "_", ".", ",", ";", ":", "?", "&", "=", "|", "‐", "–", "—"]);
const MARK = /\p{M}/u;
const SPACE = /\s/u;

/** Advance widths (points at `size`) of one font, looked up once per code point. */
export function advanceMeasure(font: FontkitFont, size: number): (codePoint: number) => number {
  const cache = new Map<number, number>();
  const scale = size / font.unitsPerEm;
  return (codePoint) => {
    let w = cache.get(codePoint);
    if (w === undefined) {
      w = font.glyphForCodePoint(codePoint).advanceWidth * scale;
      cache.set(codePoint, w);
    }
    return w;
  };
}

/**
 * `text` cut into pieces (joined, they are `text`) so that no run of non-space characters in a
 * piece is wider than `maxWidth` (a single character wider than that stays alone). One pass.
 */
export function splitLongWords(text: string, advance: (codePoint: number) => number, maxWidth: number): string[] {
  if (!(maxWidth > 0)) return [text];
  const pieces: string[] = [];
  /** Start of the part of `text` not yet in `pieces`. */
  let copied = 0;
  /** The current piece of the current run of non-space characters: where it starts, its width. */
  let pieceStart = 0;
  let pieceWidth = 0;
  /** The last preferred break inside the piece (index after the character), and the width up to it. */
  let soft = -1;
  let softWidth = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    const next = i + ch.length;
    if (SPACE.test(ch)) {
      pieceStart = next;
      pieceWidth = 0;
      soft = -1;
      i = next;
      continue;
    }
    const w = advance(cp);
    if (pieceWidth + w > maxWidth && i > pieceStart && !MARK.test(ch)) {
      // Cut before this character, or after the last hyphen/slash if that keeps half the piece.
      const at = soft > pieceStart && softWidth >= maxWidth / 2 ? soft : i;
      pieces.push(text.slice(copied, at));
      copied = at;
      pieceWidth = at === i ? 0 : pieceWidth - softWidth;
      pieceStart = at;
      soft = -1;
    }
    pieceWidth += w;
    if (BREAK_AFTER.has(ch)) {
      soft = next;
      softWidth = pieceWidth;
    }
    i = next;
  }
  pieces.push(text.slice(copied));
  return pieces;
}

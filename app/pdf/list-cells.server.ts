import type { PrintableText } from "./printable.server";
import { RawStyle, type RawPage } from "./raw-text.server";
import type { ScriptFonts, ShapedLine } from "./shaped-text.server";
import type { RawMark } from "./tagging.server";
import { wrapText } from "./wrap";

/**
 * The signatory list's cells: user text (names, places, organizations) cleaned, drawn in its
 * own script (shaped-text.server.ts when it needs a script font or bidi, else DejaVu's cmap —
 * the fast path most rows take), cut with "…" where a column ends, and marked † where a
 * character had to be transliterated (no bundled font draws it).
 *
 * A name is not cut: every row is two lines high (layout.ts: the page count is arithmetic), so a
 * name too long for its line continues on the second (its organization and position then follow
 * it there, cut if they must be), at a smaller size — and on a third and fourth line below 6 pt —
 * if two lines at the list's size are not enough. At MIN_NAME_SIZE the row holds about 300
 * average letters (the sign form takes 200); only a longer name would be cut.
 *
 * In a right-to-left letter (`rtl`) every cell is aligned right, and a name's organization
 * continues to the left of its last line. Each text keeps its own direction (a Latin or Cyrillic
 * name reads left to right inside the right-to-left row, as `dir="auto"` shows it on the web).
 */

const TRANSLIT_MARK = " †";
const ELLIPSIS = "…";
const NAME_SIZES = [8.5, 8, 7.5, 7, 6.5, 6, 5.5, 5, 4.5, 4] as const;
/** Line distance of a wrapped name, per point of size (8.5 pt: its second line sits where the row's second line does). */
const LINE_SPACING = 1.12;
const MIN_NAME_SIZE = NAME_SIZES[NAME_SIZES.length - 1];
/** Names longer than this are cut, not wrapped (the sign form takes 200 characters). */
const MAX_WRAPPED = 400;
/** Less room than this after a wrapped name: its organization is not started there. */
const MIN_DETAIL_ROOM = 24;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** One line of text ready to draw: DejaVu codes, or shaped runs. */
type Prepared = { shaped: false; text: string; width: number } | { shaped: true; line: ShapedLine; width: number };

export interface NameResult {
  flagged: boolean;
  /** When the name took more than one line: its last line's top, left and right ends (x) and size; else null. */
  lastLine: { top: number; left: number; end: number; size: number } | null;
}

export class ListCells {
  private readonly sized = new Map<string, RawStyle>();

  constructor(
    private readonly printable: PrintableText,
    private readonly scripts: ScriptFonts,
    /** A right-to-left letter: cells aligned right. */
    private readonly rtl = false,
  ) {}

  /** `style` at another size (same font and colour), made once. */
  private atSize(style: RawStyle, size: number): RawStyle {
    if (size === style.size) return style;
    const key = `${style.operators}|${size}`;
    let s = this.sized.get(key);
    if (!s) {
      s = new RawStyle(style.font, size, style.color);
      this.sized.set(key, s);
    }
    return s;
  }

  private prepare(text: string, shaped: boolean, style: RawStyle): Prepared {
    if (!shaped) return { shaped: false, text, width: style.font.width(text, style.size) };
    const line = this.scripts.line(text, "regular", style.size);
    return { shaped: true, line, width: line.width };
  }

  private draw(page: RawPage, style: RawStyle, x: number, top: number, p: Prepared, mark: () => RawMark | undefined): void {
    if (p.shaped) page.showRuns(style, x, top, p.line.runs, mark);
    else page.draw(style, x, top, p.text, Infinity, mark());
  }

  /** The longest start of `text` (whole graphemes) that fits `width` with "…" after it. */
  private cut(text: string, shaped: boolean, style: RawStyle, width: number): Prepared {
    const ends = [...graphemes.segment(text)].map((s) => s.index + s.segment.length);
    let lo = 0;
    let hi = ends.length - 1;
    let best = this.prepare(ELLIPSIS, shaped, style);
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const candidate = this.prepare(`${text.slice(0, ends[mid]).trimEnd()}${ELLIPSIS}`, shaped, style);
      if (candidate.width <= width) {
        best = candidate;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return best;
  }

  /**
   * One line of a cell, cut with "…" to `width`, † after it when transliterated. Returns whether
   * it was transliterated, and the width drawn.
   */
  line(
    page: RawPage,
    raw: string | null,
    style: RawStyle,
    x: number,
    top: number,
    width: number,
    mark: () => RawMark | undefined,
  ): { flagged: boolean; width: number } {
    if (!raw) return { flagged: false, width: 0 };
    const p = this.printable.clean(raw, true, true);
    if (!p.shaped) {
      // The fast path: DejaVu's cmap, cut by the raw writer.
      if (this.rtl) return this.lineRight(page, p.text, p.transliterated, style, x + width, top, width, mark);
      if (!p.transliterated) return { flagged: false, width: page.draw(style, x, top, p.text, width, mark()).width };
      const room = width - style.font.width(TRANSLIT_MARK, style.size);
      const shown = page.draw(style, x, top, p.text, room, mark());
      page.draw(style, x + shown.width, top, TRANSLIT_MARK, Infinity, mark());
      return { flagged: true, width: shown.width + style.font.width(TRANSLIT_MARK, style.size) };
    }
    const markWidth = p.transliterated ? style.font.width(TRANSLIT_MARK, style.size) : 0;
    // No cell shows more than a few hundred characters: longer text is shortened before it is shaped.
    const text = p.text.length > MAX_WRAPPED ? `${p.text.slice(0, MAX_WRAPPED).replace(/[\ud800-\udbff]$/, "")}${ELLIPSIS}` : p.text;
    let prepared = this.prepare(text, true, style);
    if (prepared.width > width - markWidth) prepared = this.cut(text, true, style, width - markWidth);
    if (this.rtl) {
      // Aligned right; the mark after the text in its own direction (on the left of a right-to-left one).
      const start = x + width - prepared.width - markWidth;
      const textRtl = prepared.shaped && prepared.line.rtl;
      this.draw(page, style, textRtl ? start + markWidth : start, top, prepared, mark);
      if (p.transliterated) page.draw(style, textRtl ? start : start + prepared.width, top, TRANSLIT_MARK, Infinity, mark());
      return { flagged: p.transliterated, width: prepared.width + markWidth };
    }
    this.draw(page, style, x, top, prepared, mark);
    if (p.transliterated) page.draw(style, x + prepared.width, top, TRANSLIT_MARK, Infinity, mark());
    return { flagged: p.transliterated, width: prepared.width + markWidth };
  }

  /** The fast path of a right-to-left letter: DejaVu text (and its † after it) ending at `right`, cut to `width`. */
  private lineRight(
    page: RawPage,
    text: string,
    transliterated: boolean,
    style: RawStyle,
    right: number,
    top: number,
    width: number,
    mark: () => RawMark | undefined,
  ): { flagged: boolean; width: number } {
    if (!transliterated) return { flagged: false, width: page.drawRight(style, right, top, text, width, mark()).width };
    const markWidth = style.font.width(TRANSLIT_MARK, style.size);
    const shown = page.drawRight(style, right - markWidth, top, text, width - markWidth, mark());
    page.draw(style, right - markWidth, top, TRANSLIT_MARK, Infinity, mark());
    return { flagged: true, width: shown.width + markWidth };
  }

  /**
   * A signer's name from `top1`, continued on further lines when it does not fit, at the largest
   * size at which the row (`height` points of text from `top1`) holds it whole.
   */
  name(page: RawPage, raw: string, style: RawStyle, x: number, top1: number, height: number, width: number, mark: () => RawMark | undefined): NameResult {
    const p = this.printable.clean(raw, true, true);
    // Beyond what the sign form accepts (200 characters), a name is cut like any cell.
    if (p.text.length > MAX_WRAPPED) return { flagged: this.line(page, raw, style, x, top1, width, mark).flagged, lastLine: null };
    const text = p.transliterated ? `${p.text}${TRANSLIT_MARK}` : p.text;
    const whole = this.prepare(text, p.shaped, style);
    if (whole.width <= width) {
      this.draw(page, style, this.rtl ? x + width - whole.width : x, top1, whole, mark);
      return { flagged: p.transliterated, lastLine: null };
    }
    for (const size of NAME_SIZES) {
      if (size > style.size) continue;
      const sized = this.atSize(style, size);
      const lineHeight = size * LINE_SPACING;
      const room = Math.max(2, Math.floor(height / lineHeight + 0.01));
      const lines = this.wrap(text, p.shaped, sized, width);
      if (lines.length <= room || size === MIN_NAME_SIZE) {
        const shown = lines.slice(0, room);
        if (lines.length > room) shown[room - 1] = lines.slice(room - 1).join(" ");
        let top = top1;
        let left = x;
        let end = x;
        for (const [i, line] of shown.entries()) {
          let prepared = this.prepare(line, p.shaped, sized);
          if (prepared.width > width) prepared = this.cut(line, p.shaped, sized, width);
          left = this.rtl ? x + width - prepared.width : x;
          this.draw(page, sized, left, top, prepared, mark);
          end = left + prepared.width;
          if (i < shown.length - 1) top += lineHeight;
        }
        return { flagged: p.transliterated, lastLine: { top, left, end, size } };
      }
    }
    throw new Error("unreachable: MIN_NAME_SIZE always draws");
  }

  /**
   * Organization and position after a name that took several lines, in what is left of its last
   * line (at the line-2 style's size, or the name's if smaller). `right` is the cell's far edge:
   * its right end, or in a right-to-left letter its left end (the organization goes left of the name).
   */
  detailAfterName(
    page: RawPage,
    raw: string | null,
    style: RawStyle,
    last: NonNullable<NameResult["lastLine"]>,
    right: number,
    mark: () => RawMark | undefined,
  ): boolean {
    if (!raw) return false;
    const sized = this.atSize(style, Math.min(style.size, last.size));
    const gap = sized.font.width(" · ", sized.size);
    if (!this.rtl && right - last.end - gap < MIN_DETAIL_ROOM) return false;
    const top = last.top + (last.size - sized.size) * 0.8;
    if (this.rtl) {
      const left = right;
      if (last.left - gap - left < MIN_DETAIL_ROOM) return false;
      page.drawRight(sized, last.left, top, " · ", Infinity, mark());
      return this.line(page, raw, sized, left, top, last.left - gap - left, mark).flagged;
    }
    page.draw(sized, last.end, top, " · ", Infinity, mark());
    return this.line(page, raw, sized, last.end + gap, top, right - last.end - gap, mark).flagged;
  }

  private wrap(text: string, shaped: boolean, style: RawStyle, width: number): string[] {
    return wrapText(text, (s) => (s === "" ? 0 : this.prepare(s, shaped, style).width), width);
  }
}

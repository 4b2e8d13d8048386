import { PAGE_HEIGHT } from "./layout";
import { RawPage, RawStyle, type RawColor, type StyleFont } from "./raw-text.server";
import { baseDirection, type ScriptFonts } from "./shaped-text.server";
import type { Weight } from "./script-fonts.server";
import { wrapText } from "./wrap";

/**
 * A short paragraph of user text in other scripts (the organization, an addressee, the title when
 * they are written in Arabic, Chinese…), in one weight, from (x, doc.y): drawStyledParagraph with
 * one run. Lines are as far apart as pdfkit's own (`lineHeight`), so the dry run and the real run,
 * and a paragraph drawn by pdfkit, take the same room. Leaves doc.y below the paragraph.
 */
export function drawShapedParagraph(
  doc: PDFKit.PDFDocument,
  scripts: ScriptFonts,
  fonts: Record<Weight, StyleFont>,
  weight: Weight,
  text: string,
  x: number,
  width: number,
  size: number,
  color: string,
  lineHeight: number,
  layout: Pick<StyledParagraphOptions, "direction" | "align"> = {},
): void {
  const run: StyledRun = { text, bold: weight === "bold", italic: false, mono: false, strike: false, link: null };
  // The heading's fields are short and kept on their page by the caller (ensureSpace), as before.
  drawStyledParagraph(doc, scripts, fonts, [run], { x, width, size, color, linkColor: color, lineHeight, bottom: Infinity, newPage: () => {}, ...layout });
}

/** "#4a4a4a" → 0.29 (a grey stays a gray level), "#1a4f8b" → [0.1, 0.31, 0.55] (the links' blue, as pdfkit draws it). */
export function rawColorOf(color: string): RawColor {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return 0;
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16) / 255) as [number, number, number];
  return r === g && g === b ? r : [r, g, b];
}

/** How far italic text leans in a script paragraph: about DejaVu Sans Oblique's 11°. */
const ITALIC_SLANT = 0.2;

/** A run of body text (markdown.server.ts's Run). */
export interface StyledRun {
  text: string;
  bold: boolean;
  italic: boolean;
  mono: boolean;
  strike: boolean;
  link: string | null;
}

export interface StyledParagraphOptions {
  x: number;
  width: number;
  size: number;
  color: string;
  linkColor: string;
  lineHeight: number;
  /** The lowest line top; below it a new page is started with `newPage`. */
  bottom: number;
  newPage: () => void;
  /** The paragraph's base direction (a right-to-left letter's are all "rtl"); by default its first strong letter's. */
  direction?: "ltr" | "rtl";
  /** Where lines sit; by default at the start of the direction (right for right-to-left). */
  align?: "left" | "right";
}

/**
 * A body paragraph holding text in other scripts, as pdfkit would draw it (wrapped, left-aligned,
 * links, strike-through, hard breaks) but each line laid out by shaped-text.server.ts over the
 * whole line, so a bold word inside an Arabic sentence keeps its place and right-to-left runs
 * read in order. The paragraph's direction comes from its first strong letter, or is given (every
 * paragraph of a right-to-left letter is right to left, an English quote too). Script fonts have
 * no italic: italic text leans (a synthetic oblique, DejaVu's Latin too, within such a paragraph).
 */
export function drawStyledParagraph(
  doc: PDFKit.PDFDocument,
  scripts: ScriptFonts,
  fonts: Record<Weight, StyleFont>,
  runs: readonly StyledRun[],
  o: StyledParagraphOptions,
): void {
  // One style per (weight, italic, link, strike); its index goes with every character.
  const styles: { weight: Weight; italic: boolean; link: string | null; strike: boolean }[] = [];
  const styleOf = (r: StyledRun) => {
    const weight: Weight = r.bold ? "bold" : "regular";
    let i = styles.findIndex((s) => s.weight === weight && s.italic === r.italic && s.link === r.link && s.strike === r.strike);
    if (i < 0) i = styles.push({ weight, italic: r.italic, link: r.link, strike: r.strike }) - 1;
    return i;
  };
  // Hard lines ("\n"), each a list of pieces (words and spaces) with their style.
  const hardLines: { text: string; style: number }[][] = [[]];
  for (const run of runs) {
    const style = styleOf(run);
    run.text.split("\n").forEach((part, i) => {
      if (i > 0) hardLines.push([]);
      if (part !== "") hardLines[hardLines.length - 1]!.push({ text: part, style });
    });
  }
  const weights = styles.map((s) => s.weight);
  const paragraph = hardLines
    .flat()
    .map((p) => p.text)
    .join(" ");
  const direction = o.direction ?? baseDirection(paragraph);
  const alignRight = (o.align ?? (direction === "rtl" ? "right" : "left")) === "right";
  let page = new RawPage(PAGE_HEIGHT);
  let top = doc.y;
  const rawStyles = new Map<string, RawStyle<StyleFont>>();
  const rawStyle = (weight: Weight, italic: boolean, link: boolean): RawStyle<StyleFont> => {
    const key = `${weight}|${italic}|${link}`;
    let s = rawStyles.get(key);
    if (!s) {
      s = new RawStyle(fonts[weight], o.size, link ? linkColor : color, italic ? ITALIC_SLANT : 0);
      rawStyles.set(key, s);
    }
    return s;
  };
  const color = rawColorOf(o.color);
  const linkColor = rawColorOf(o.linkColor);
  const links: { x: number; top: number; width: number; url: string }[] = [];
  for (const pieces of hardLines) {
    const lines = wrapStyled(pieces, (s, style) => (s === "" ? 0 : scripts.width(s, weights[style]!, o.size, direction)), o.width);
    if (lines.length === 0) lines.push([]);
    for (const line of lines) {
      if (top + o.lineHeight > o.bottom) {
        page.flush(doc);
        o.newPage();
        page = new RawPage(PAGE_HEIGHT);
        top = doc.y;
      }
      const text = line.map((p) => p.text).join("");
      const at = new Uint8Array(text.length);
      let offset = 0;
      for (const p of line) {
        at.fill(p.style, offset, offset + p.text.length);
        offset += p.text.length;
      }
      const shaped = scripts.line(text, "regular", o.size, direction, { at, weights });
      let x = alignRight ? o.x + o.width - shaped.width : o.x;
      for (const run of shaped.runs) {
        const style = styles[run.style]!;
        page.showRuns(rawStyle(style.weight, style.italic, style.link !== null), x, top, [run]);
        const baseline = top + fonts[style.weight].ascent * o.size;
        if (style.link) {
          page.rule(x, x + run.width, baseline + 1.2, 0.5, linkColor);
          links.push({ x, top, width: run.width, url: style.link });
        }
        if (style.strike) page.rule(x, x + run.width, baseline - o.size * 0.3, 0.5, color);
        x += run.width;
      }
      top += o.lineHeight;
    }
  }
  page.flush(doc);
  for (const l of links) doc.link(l.x, l.top, l.width, o.size * 1.2, l.url);
  doc.y = top;
}

/** Greedy wrapping of styled pieces at word boundaries (wrap.ts's rule, carrying each piece's style). */
function wrapStyled(
  pieces: { text: string; style: number }[],
  measure: (s: string, style: number) => number,
  width: number,
): { text: string; style: number }[][] {
  const words = new Intl.Segmenter(undefined, { granularity: "word" });
  const lines: { text: string; style: number }[][] = [];
  let line: { text: string; style: number }[] = [];
  let used = 0;
  const push = () => {
    while (line.length && line[line.length - 1]!.text.trim() === "") line.pop();
    if (line.length) lines.push(line);
    line = [];
    used = 0;
  };
  for (const p of pieces) {
    for (const { segment } of words.segment(p.text)) {
      const space = segment.trim() === "";
      if (space && line.length === 0) continue;
      const w = measure(segment, p.style);
      if (!space && line.length > 0 && used + w > width) push();
      if (!space && w > width) {
        // A word wider than the line: its own lines, cut between graphemes.
        for (const piece of wrapText(segment, (s) => measure(s, p.style), width)) {
          if (line.length) push();
          line.push({ text: piece, style: p.style });
          used = measure(piece, p.style);
        }
        continue;
      }
      line.push({ text: segment, style: p.style });
      used += w;
    }
  }
  push();
  return lines;
}

import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";
import { CONTENT_BOTTOM, CONTENT_LEFT, CONTENT_RIGHT } from "./layout";
import { embeddedFont } from "./pdfkit-internals.server";
import type { StyledParagraphOptions, StyledRun } from "./shaped-paragraph.server";
import { advanceMeasure, splitLongWords, WORD_ROOM } from "./word-break.server";

/**
 * Draws the letter body from Markdown with `doc.text`, walking markdown-it's token stream.
 *
 * Supported: headings, paragraphs, bullet and numbered lists (nested), bold, italic, strikethrough,
 * links (the text is printed and made a link annotation; only http(s) and mailto targets),
 * inline code and code blocks, block quotes, horizontal rules, and tables (one line per row,
 * cells separated by a bar — a letter body rarely needs more). `html: false`: any HTML in the
 * text is printed as the characters typed, never interpreted. Images print their alt text.
 *
 * Everything here goes through pdfkit's normal text engine (shaping, kerning, wrapping, page
 * breaks); the body is small, so that is affordable — only the signatory list needs the raw path.
 */

export type FontName = "regular" | "bold" | "italic" | "boldItalic" | "mono";

export interface BodyContext {
  doc: PDFKit.PDFDocument;
  /** Makes user text printable (see printable.server.ts). */
  clean: (text: string) => string;
  /** Starts a new page; the caller's pageAdded handler draws the footer. */
  newPage: () => void;
  /** The structure tree to tag the body in (tagging.server.ts); absent in the dry run. */
  tags?: BodyTags;
  /**
   * A right-to-left letter: indents (lists, quotes, code) from the right, list markers on the
   * right. Its paragraphs are drawn right to left by the ScriptBody the renderer registers.
   */
  rtl?: boolean;
}

/** What the body needs of the structure tree: containers and tagged blocks of text. */
export interface BodyTags {
  begin(type: string): unknown;
  end(): void;
  content(type: string, draw: () => void): void;
  artifact(draw: () => void): void;
}

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

export const BODY = {
  size: 10.5,
  lineGap: 2.5,
  paragraphGap: 7,
  tightGap: 2.5,
  indentStep: 18,
  color: "#111111",
  muted: "#444444",
  link: "#1a4f8b",
  headingSizes: [15, 13, 11.5, 10.5, 10.5, 10.5],
} as const;

/** A run of inline text in one style (shaped-paragraph.server.ts draws the same runs). */
export type Run = StyledRun;

const BULLETS = ["•", "◦", "▪"];

/**
 * Longer addresses are printed but not made links: pdfkit writes the whole address into the
 * link annotation of every line the link text takes, so a long text linking a long address
 * costs their product (a 20,000-character link took seconds). Browsers stop near 2,000 too.
 */
const MAX_HREF = 2000;

function safeHref(href: string | null): string | null {
  if (!href || href.length > MAX_HREF) return null;
  return /^(https?:|mailto:)/i.test(href) ? href : null;
}

function inlineRuns(children: Token[] | null, clean: (s: string) => string, base: Partial<Run> = {}): Run[] {
  const runs: Run[] = [];
  let bold = base.bold ? 1 : 0;
  let italic = base.italic ? 1 : 0;
  let strike = 0;
  let link: string | null = null;
  const push = (text: string, mono = false) => {
    if (!text) return;
    const run: Run = { text, bold: bold > 0, italic: italic > 0, mono, strike: strike > 0, link };
    const prev = runs[runs.length - 1];
    if (prev && prev.bold === run.bold && prev.italic === run.italic && prev.mono === run.mono && prev.strike === run.strike && prev.link === run.link) {
      prev.text += text;
    } else {
      runs.push(run);
    }
  };
  for (const t of children ?? []) {
    switch (t.type) {
      case "text":
        push(clean(t.content));
        break;
      case "code_inline":
        push(clean(t.content), true);
        break;
      case "softbreak":
        push(" ");
        break;
      case "hardbreak":
        push("\n");
        break;
      case "strong_open":
        bold++;
        break;
      case "strong_close":
        bold--;
        break;
      case "em_open":
        italic++;
        break;
      case "em_close":
        italic--;
        break;
      case "s_open":
        strike++;
        break;
      case "s_close":
        strike--;
        break;
      case "link_open":
        link = safeHref(t.attrGet("href"));
        break;
      case "link_close":
        link = null;
        break;
      case "image":
        push(clean(t.content));
        break;
      default:
        if (t.content) push(clean(t.content));
    }
  }
  return runs;
}

function fontOf(run: Run): FontName {
  if (run.mono) return "mono";
  if (run.bold) return run.italic ? "boldItalic" : "bold";
  return run.italic ? "italic" : "regular";
}

/**
 * Draws runs as one wrapped paragraph starting at (x, doc.y).
 *
 * Words wider than the line are cut first (word-break.server.ts: pdfkit's own cutting is
 * quadratic in a word's length) and each piece is its own `doc.text` call of a continued chain.
 * Line breaks in the text ("\n": Markdown hard breaks, code blocks) end a chain and start the
 * next line with a new one: in a continued chain pdfkit starts the line after a "\n" at the
 * previous call's end x instead of at the left edge.
 */
export function drawRuns(doc: PDFKit.PDFDocument, runs: Run[], x: number, width: number, size: number, color: string, lineGap: number = BODY.lineGap): void {
  const scripts = scriptBodies.get(doc);
  if (scripts && runs.some((r) => scripts.needed(r.text))) {
    const font = runs.some((r) => r.bold) ? "bold" : "regular";
    scripts.draw(runs, { x, width, size, color, linkColor: BODY.link, lineHeight: lineHeight(doc, font, size, lineGap), bottom: CONTENT_BOTTOM });
    doc.x = CONTENT_LEFT;
    return;
  }
  const lines: Run[][] = [[]];
  for (const run of runs) {
    run.text.split("\n").forEach((text, i) => {
      if (i > 0) lines.push([]);
      lines[lines.length - 1]!.push({ ...run, text });
    });
  }
  lines.forEach((line, n) => {
    const visible = line.filter((r) => r.text.length > 0);
    if (visible.length === 0) {
      // An empty line between two line breaks is a blank line, as pdfkit draws one.
      if (n > 0 && n < lines.length - 1) doc.y += lineHeight(doc, fontOf(line[0]!), size, lineGap);
      return;
    }
    const pieces = visible.flatMap((run) =>
      splitLongWords(run.text, advanceMeasure(embeddedFont(doc, fontOf(run)).font, size), width * WORD_ROOM).map((text) => ({ run, text })),
    );
    pieces.forEach(({ run, text }, i) => {
      doc
        .font(fontOf(run))
        .fontSize(size)
        .fillColor(run.link ? BODY.link : color);
      const options: PDFKit.Mixins.TextOptions = {
        width,
        continued: i < pieces.length - 1,
        link: run.link,
        underline: run.link !== null,
        strike: run.strike,
        lineGap,
        align: "left",
      };
      if (i === 0) doc.text(text, x, doc.y, options);
      else doc.text(text, options);
    });
  });
  doc.x = CONTENT_LEFT;
}

/** Plain text as one paragraph in one font. */
/**
 * Text in other scripts (Arabic, Chinese…) in the body: the renderer registers, per document, how
 * to tell it (PrintableText) and how to draw a paragraph of it (shaped-paragraph.server.ts), and
 * drawRuns hands such paragraphs over; everything else stays with pdfkit's text engine.
 */
export interface ScriptBody {
  needed(text: string): boolean;
  draw(runs: Run[], options: Omit<StyledParagraphOptions, "newPage">): void;
}

const scriptBodies = new WeakMap<PDFKit.PDFDocument, ScriptBody>();

export function useScriptBody(doc: PDFKit.PDFDocument, body: ScriptBody): void {
  scriptBodies.set(doc, body);
}

export function drawPlain(
  doc: PDFKit.PDFDocument,
  text: string,
  font: FontName,
  x: number,
  width: number,
  size: number,
  color: string,
  lineGap: number = BODY.lineGap,
): void {
  drawRuns(
    doc,
    [
      {
        text,
        bold: font === "bold" || font === "boldItalic",
        italic: font === "italic" || font === "boldItalic",
        mono: font === "mono",
        strike: false,
        link: null,
      },
    ],
    x,
    width,
    size,
    color,
    lineGap,
  );
}

export function lineHeight(doc: PDFKit.PDFDocument, font: FontName, size: number, lineGap: number): number {
  doc.font(font).fontSize(size);
  return doc.currentLineHeight(true) + lineGap;
}

/** Starts a new page unless `height` more points fit on this one. */
export function ensureSpace(ctx: BodyContext, height: number): void {
  if (ctx.doc.y + height > CONTENT_BOTTOM) ctx.newPage();
}

/** Draws the Markdown `source` from doc.y downwards. */
export function drawMarkdown(ctx: BodyContext, source: string): void {
  const { doc } = ctx;
  const tokens = md.parse(source, {});
  const lists: Array<{ ordered: boolean; next: number; tight: boolean }> = [];
  let indent = 0;
  let quote = 0;
  let marker: string | null = null;
  let block: "paragraph" | "heading" | "cell" | null = null;
  let headingLevel = 1;
  let row: Run[][] | null = null;
  let headerRow = false;
  const bodyLine = () => lineHeight(doc, "regular", BODY.size, BODY.lineGap);
  const color = () => (quote > 0 ? BODY.muted : BODY.color);
  // Tagging (when ctx.tags): headings one level below the letter's title (H1), P, L/LI/Lbl/LBody,
  // BlockQuote; a rule is an artifact. A list item's LBody opens before its first block.
  const tags = ctx.tags;
  const rtl = ctx.rtl === true;
  /** The text column at the current indent (plus `extra`): mirrored in a right-to-left letter. */
  const column = (extra = 0) =>
    rtl
      ? { x: CONTENT_LEFT, width: CONTENT_RIGHT - indent - extra - CONTENT_LEFT }
      : { x: CONTENT_LEFT + indent + extra, width: CONTENT_RIGHT - (CONTENT_LEFT + indent + extra) };
  const tagged = (type: string, draw: () => void) => (tags ? tags.content(type, draw) : draw());
  const items: Array<{ body: boolean }> = [];
  const inItemBody = () => {
    const item = items[items.length - 1];
    if (tags && item && !item.body) {
      tags.begin("LBody");
      item.body = true;
    }
  };

  for (const t of tokens) {
    switch (t.type) {
      case "heading_open":
        block = "heading";
        headingLevel = Number(t.tag.slice(1)) || 1;
        break;
      case "paragraph_open": {
        block = "paragraph";
        // markdown-it hides the paragraphs of a tight list: those items get a small gap.
        const list = lists[lists.length - 1];
        if (list && t.hidden) list.tight = true;
        break;
      }
      case "heading_close":
      case "paragraph_close":
        block = null;
        break;
      case "inline": {
        if (block === "cell" && row) {
          row.push(inlineRuns(t.children, ctx.clean, { bold: headerRow }));
          break;
        }
        const { x, width } = column();
        if (block === "heading") {
          const size = BODY.headingSizes[headingLevel - 1] ?? BODY.size;
          if (doc.y > doc.page.margins.top) doc.y += size * 0.5;
          // Keep a heading with the two lines after it.
          ensureSpace(ctx, lineHeight(doc, "bold", size, 2) + 2 * bodyLine());
          inItemBody();
          tagged(`H${Math.min(6, headingLevel + 1)}`, () => drawRuns(doc, inlineRuns(t.children, ctx.clean, { bold: true }), x, width, size, BODY.color, 2));
          doc.y += 4;
          break;
        }
        const runs = inlineRuns(t.children, ctx.clean);
        const list = lists[lists.length - 1];
        if (marker !== null) {
          ensureSpace(ctx, bodyLine());
          doc.font("regular").fontSize(BODY.size).fillColor(color());
          const text = marker;
          const markerX = rtl ? x + width + 5 : x - 5 - doc.widthOfString(marker);
          tagged("Lbl", () => doc.text(text, markerX, doc.y, { lineBreak: false }));
          marker = null;
        }
        inItemBody();
        tagged("P", () => drawRuns(doc, runs, x, width, BODY.size, color()));
        doc.y += list?.tight ? BODY.tightGap : BODY.paragraphGap;
        break;
      }
      case "bullet_list_open":
      case "ordered_list_open": {
        const start = Number(t.attrGet("start") ?? 1);
        lists.push({ ordered: t.type === "ordered_list_open", next: Number.isFinite(start) ? start : 1, tight: false });
        indent += BODY.indentStep;
        inItemBody();
        tags?.begin("L");
        break;
      }
      case "bullet_list_close":
      case "ordered_list_close":
        tags?.end();
        lists.pop();
        indent -= BODY.indentStep;
        if (lists.length === 0) doc.y += BODY.paragraphGap - BODY.tightGap;
        break;
      case "list_item_open": {
        const list = lists[lists.length - 1];
        if (list) {
          marker = list.ordered ? `${list.next++}.` : BULLETS[(lists.length - 1) % BULLETS.length];
        }
        tags?.begin("LI");
        items.push({ body: false });
        break;
      }
      case "list_item_close":
        if (items.pop()?.body) tags?.end();
        tags?.end();
        break;
      case "blockquote_open":
        quote++;
        indent += BODY.indentStep;
        inItemBody();
        tags?.begin("BlockQuote");
        break;
      case "blockquote_close":
        tags?.end();
        quote--;
        indent -= BODY.indentStep;
        break;
      case "fence":
      case "code_block": {
        const { x, width } = column(8);
        const lines = t.content.replace(/\n$/, "").split("\n").map(ctx.clean).join("\n");
        ensureSpace(ctx, bodyLine());
        inItemBody();
        tagged("P", () => drawPlain(doc, lines, "mono", x, width, BODY.size - 1, BODY.muted, 1.5));
        doc.y += BODY.paragraphGap;
        break;
      }
      case "hr": {
        ensureSpace(ctx, 12);
        const y = doc.y + 4;
        const rule = () =>
          doc
            .save()
            .moveTo(rtl ? CONTENT_LEFT : CONTENT_LEFT + indent, y)
            .lineTo(rtl ? CONTENT_RIGHT - indent : CONTENT_RIGHT, y)
            .lineWidth(0.5)
            .strokeColor("#999999")
            .stroke()
            .restore();
        if (tags) tags.artifact(rule);
        else rule();
        doc.y = y + 8;
        break;
      }
      case "thead_open":
        headerRow = true;
        break;
      case "thead_close":
        headerRow = false;
        break;
      case "tr_open":
        row = [];
        break;
      case "th_open":
      case "td_open":
        block = "cell";
        break;
      case "th_close":
      case "td_close":
        block = null;
        break;
      case "tr_close": {
        if (row) {
          const runs: Run[] = [];
          row.forEach((cell, i) => {
            if (i > 0) runs.push({ text: "  |  ", bold: false, italic: false, mono: false, strike: false, link: null });
            runs.push(...cell);
          });
          const { x, width } = column();
          inItemBody();
          tagged("P", () => drawRuns(doc, runs, x, width, BODY.size - 0.5, color()));
          doc.y += BODY.tightGap;
        }
        row = null;
        break;
      }
      case "table_close":
        doc.y += BODY.paragraphGap;
        break;
      default:
        break;
    }
  }
}

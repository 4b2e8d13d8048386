/**
 * Page geometry of the delivery letter (points, pdfkit's top-down coordinates), and the one
 * pure function the total page count comes from.
 */

/** A4 portrait. */
export const PAGE_WIDTH = 595.28;
export const PAGE_HEIGHT = 841.89;

export const MARGIN = { top: 56, left: 57, right: 57, bottom: 86 } as const;
export const CONTENT_LEFT = MARGIN.left;
export const CONTENT_RIGHT = PAGE_WIDTH - MARGIN.right;
export const CONTENT_WIDTH = CONTENT_RIGHT - CONTENT_LEFT;
/** The lowest y text may reach; below it are the † legend and the footer. */
export const CONTENT_BOTTOM = PAGE_HEIGHT - MARGIN.bottom;

/**
 * Footer: a rule and two lines of 7 pt text, the same on every page, and a third with the
 * signatory ledger's size and root when the letter has one. All of it sits below CONTENT_BOTTOM
 * (the bottom margin), so the rows per page, and the page count, do not depend on it.
 */
export const FOOTER = {
  legendTop: PAGE_HEIGHT - 80,
  ruleY: PAGE_HEIGHT - 66,
  line1Top: PAGE_HEIGHT - 60,
  line2Top: PAGE_HEIGHT - 50,
  line3Top: PAGE_HEIGHT - 40,
  size: 7,
  /** At most this wide: the right-hand column (page number, count). */
  rightWidth: 160,
} as const;

/** The signatory table: every row is exactly ROW_HEIGHT high (two lines), whatever it holds. */
export const TABLE = {
  headerHeight: 26,
  rowHeight: 22,
  line1Size: 8.5,
  line2Size: 7.5,
  headerSize: 7.5,
  /** Gap between the section intro and the table header. */
  gapBefore: 8,
  /** Keep the section title with at least this many rows. */
  minRowsWithTitle: 3,
  columns: {
    numberRight: CONTENT_LEFT + 36,
    name: CONTENT_LEFT + 44,
    nameWidth: 194,
    place: CONTENT_LEFT + 246,
    placeWidth: 140,
    date: CONTENT_LEFT + 394,
    dateWidth: CONTENT_WIDTH - 394,
  },
} as const;

/** Rows that fit on a page the table starts at `tableTop` on (header included). */
export function rowsFitting(tableTop: number): number {
  return Math.max(0, Math.floor((CONTENT_BOTTOM - tableTop - TABLE.headerHeight) / TABLE.rowHeight));
}

/** Rows on every list page after the first: the table header repeats at the top margin. */
export const ROWS_PER_FULL_PAGE = rowsFitting(MARGIN.top);

export interface ListPlan {
  /** Rows on the page where the front matter ends. */
  firstPageRows: number;
  /** Pages added after that one for the remaining rows. */
  extraPages: number;
}

/**
 * How the list continues after the front matter. The front matter (heading, body, section
 * title) is laid out first — its page count and the y where it ends come from a dry run — and
 * from there the list is arithmetic, because every row has the same height:
 *   total pages Y = frontPages + ceil(max(0, count − firstPageRows) / ROWS_PER_FULL_PAGE).
 */
export function planList(tableTop: number, count: number): ListPlan {
  const firstPageRows = Math.min(count, rowsFitting(tableTop));
  const rest = count - firstPageRows;
  return { firstPageRows, extraPages: rest > 0 ? Math.ceil(rest / ROWS_PER_FULL_PAGE) : 0 };
}

import { catalog, rawObjects, referenceTo, type RawObjects } from "./pdfkit-internals.server";

/**
 * The letter's structure tree (Tagged PDF, ISO 32000-1 §14.7–14.8), written as the pages go.
 *
 * pdfkit has structure elements (`doc.struct`), but keeps its /ParentTree — one entry per marked
 * content sequence, for the whole document — in memory until the end, and one object per
 * element: a million-row list has ~4 cells per row. So the letter writes its own tree, with
 * memory that does not grow with the list:
 *
 *   - every element is a raw object (pdfkit-internals rawObjects), written as soon as its last
 *     child is known: a row's TR and TD cells when the row is drawn, a page's TBody when the page
 *     ends, a part (and its Table) when the part ends. Only the kids of open elements are held:
 *     a part's blocks and its table's TBody list (one per page);
 *   - the /ParentTree (MCID → element, per page) is written one array per page when the page
 *     ends; what stays is one number per page, and the number tree's nodes are written at the end.
 *
 * Tree: Document → Part (/Lang of the part; a combined letter has one per language) → P, H1…H6,
 * L/LI/Lbl/LBody, BlockQuote, Table (THead → TR → TH /Scope /Column; a TBody per page → TR →
 * TD). Page footers, rules and the table header repeated on later pages are artifacts.
 *
 * Text pdfkit draws (`doc.text`) is marked with pdfkit's own markContent/endMarkedContent, so a
 * paragraph that pdfkit continues on a new page is closed and reopened by pdfkit; `onPageAdded`
 * gives the reopened sequence a fresh MCID on the new page. The raw signatory rows carry their
 * marks in their own operators (raw-text.server.ts).
 */

/** A structure element being built. `kids` are the /K entries, already as PDF syntax. */
export class StructElement {
  readonly kids: string[] = [];
  /** The page of the element's MCIDs (/Pg), the first page it has content on. */
  page = 0;
  constructor(
    readonly id: number,
    readonly type: string,
    readonly parent: number,
    /** Extra dictionary entries, PDF syntax (e.g. "/Lang (ru)"). */
    readonly extra = "",
  ) {}

  /** The element as an object body ("<< … >>"). */
  body(): string {
    const pg = this.page ? `/Pg ${this.page} 0 R` : "";
    return `<</S/${this.type}/P ${this.parent} 0 R${pg}${this.extra}/K[${this.kids.join(" ")}]>>`;
  }
}

/** A marked-content mark for raw text: the operators that open it, "EMC" closes it. */
export interface RawMark {
  open: string;
}

export const ARTIFACT: RawMark = { open: "/Artifact BMC" };

/** A PDF text string for /Lang, /Alt… (ASCII: language tags). */
function pdfAscii(text: string): string {
  return `(${text.replace(/[^\x20-\x7e]/g, "").replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

export class StructureTree {
  private readonly raw: RawObjects;
  private readonly rootId: number;
  private readonly documentElement: StructElement;
  /** Open containers, innermost last. */
  private readonly stack: StructElement[] = [];
  /** The current page: its object number, parent-tree key and MCID owners. */
  private pageId = 0;
  private pageKey = -1;
  private owners: number[] = [];
  /** Per page key: the object number of its parent-tree array. */
  private readonly parentArrays: number[] = [];
  /** The block pdfkit is drawing (reopened by pdfkit on a new page). */
  private open: { element: StructElement; options: { mcid: number } } | null = null;
  /** Objects waiting to be written together (a page's rows). */
  private pending: Array<{ id: number; body: string }> = [];

  constructor(private readonly doc: PDFKit.PDFDocument) {
    this.raw = rawObjects(doc);
    this.rootId = this.raw.reserve();
    this.documentElement = new StructElement(this.raw.reserve(), "Document", this.rootId);
    this.stack.push(this.documentElement);
  }

  /** Call first thing in pdfkit's 'pageAdded': starts the new page's parent-tree entry. */
  onPageAdded(): void {
    this.finishPage();
    const page = this.doc.page.dictionary;
    const id: unknown = Reflect.get(page, "id");
    if (typeof id !== "number") throw new Error("pdfkit internals changed (page.dictionary.id)");
    this.pageId = id;
    this.pageKey++;
    this.owners = [];
    Reflect.set(page.data, "StructParents", this.pageKey);
    if (this.open) this.open.options.mcid = this.mcid(this.open.element);
  }

  /** Writes the finished page's parent-tree array (MCID → element) and the elements waiting. */
  private finishPage(): void {
    if (this.pageKey >= 0) {
      const id = this.raw.reserve();
      this.pending.push({ id, body: `[${this.owners.map((o) => `${o} 0 R`).join(" ")}]` });
      this.parentArrays.push(id);
    }
    this.flushPending();
  }

  /** The next MCID on the current page, owned by `element` (which gets it as a kid). */
  mcid(element: StructElement): number {
    const mcid = this.owners.length;
    this.owners.push(element.id);
    if (element.page === 0) element.page = this.pageId;
    element.kids.push(element.page === this.pageId ? String(mcid) : `<</Type/MCR/Pg ${this.pageId} 0 R/MCID ${mcid}>>`);
    return mcid;
  }

  /** A new element, child of `parent` (default: the innermost open container). */
  element(type: string, parent: StructElement = this.top(), extra = ""): StructElement {
    const element = new StructElement(this.raw.reserve(), type, parent.id, extra);
    parent.kids.push(`${element.id} 0 R`);
    return element;
  }

  private top(): StructElement {
    const top = this.stack[this.stack.length - 1];
    if (!top) throw new Error("the structure tree has no open element");
    return top;
  }

  /** Opens a container (Part, L, LI, LBody, BlockQuote…) as a child of the innermost one. */
  begin(type: string, lang?: string): StructElement {
    const element = this.element(type, this.top(), lang ? `/Lang ${pdfAscii(lang)}` : "");
    this.stack.push(element);
    return element;
  }

  /** Closes (and writes) the innermost container. */
  end(): void {
    const element = this.stack.pop();
    if (!element || element === this.documentElement) throw new Error("structure: end() without begin()");
    this.write(element);
  }

  /**
   * Writes a finished element: with the page's other objects, in a compressed object stream, when
   * the page ends (its kids are final now; only the text of its dictionary waits).
   */
  write(element: StructElement): void {
    this.pending.push({ id: element.id, body: element.body() });
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.raw.writeObjects(this.pending);
    this.pending = [];
  }

  /** Draws pdfkit text as one marked-content sequence of a new `type` element (P, H1, Lbl…). */
  content(type: string, draw: () => void): void {
    const element = this.element(type);
    const options = { mcid: this.mcid(element) };
    this.open = { element, options };
    // pdfkit's markContent takes an MCID (its own markStructureContent passes one); its types do not say so.
    Reflect.apply(this.doc.markContent, this.doc, [type, options]);
    draw();
    this.doc.endMarkedContent();
    this.open = null;
    this.write(element);
  }

  /** Draws pdfkit graphics (rules) as an artifact. */
  artifact(draw: () => void): void {
    this.doc.addContent("/Artifact BMC");
    draw();
    this.doc.addContent("EMC");
  }

  /** A mark for raw text owned by `element`. */
  mark(element: StructElement): RawMark {
    return { open: `/${element.type} <</MCID ${this.mcid(element)}>> BDC` };
  }

  /**
   * Ends the tree: the last page's parent-tree array, the document element, the parent tree's
   * nodes, and the catalog's /StructTreeRoot and /MarkInfo. Call once, after the last page's
   * content and before doc.end().
   */
  finish(): void {
    this.finishPage();
    if (this.stack.length !== 1) throw new Error("structure: an element is still open at the end");
    this.write(this.documentElement);
    this.flushPending();
    // The parent tree: leaves of up to 512 keys, under one root with /Kids (or the one leaf).
    const leaves: Array<{ id: number; first: number; last: number }> = [];
    for (let first = 0; first < this.parentArrays.length; first += 512) {
      const keys = this.parentArrays.slice(first, first + 512);
      const id = this.raw.reserve();
      const last = first + keys.length - 1;
      this.raw.begin(id);
      this.raw.write(`${id} 0 obj\n<</Limits[${first} ${last}]/Nums[${keys.map((a, i) => `${first + i} ${a} 0 R`).join(" ")}]>>\nendobj\n`);
      leaves.push({ id, first, last });
    }
    const parentTree = this.raw.reserve();
    this.raw.begin(parentTree);
    this.raw.write(`${parentTree} 0 obj\n<</Kids[${leaves.map((l) => `${l.id} 0 R`).join(" ")}]>>\nendobj\n`);

    this.raw.begin(this.rootId);
    this.raw.write(
      `${this.rootId} 0 obj\n<</Type/StructTreeRoot/K[${this.documentElement.id} 0 R]/ParentTree ${parentTree} 0 R/ParentTreeNextKey ${this.parentArrays.length}>>\nendobj\n`,
    );
    const cat = catalog(this.doc);
    cat.MarkInfo = this.doc.ref({ Marked: true });
    cat.StructTreeRoot = referenceTo(this.doc, this.rootId);
  }
}

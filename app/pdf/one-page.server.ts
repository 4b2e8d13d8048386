import PDFDocument from "pdfkit";
import { embeddedFont, registerFont } from "./pdfkit-internals.server";
import { RawFont } from "./raw-text.server";
import { fontFiles } from "./render.server";
import { ScriptFonts } from "./shaped-text.server";
import type { Weight } from "./script-fonts.server";

/**
 * The opening every short printable shares (the poster, the signature sheet): an A4 PDF with the
 * letters' fonts registered (DejaVu Sans, and the Noto fonts by script through ScriptFonts), its
 * dates pinned to `date` so one input gives the same bytes, piped to `out`. `done` settles when
 * `out` has everything (or either fails).
 */
export function openOnePager(
  options: { lang: string; title: string; organization: string; date: Date; margin: number; layout?: "portrait" | "landscape" },
  out: NodeJS.WritableStream,
) {
  const { margin } = options;
  const doc = new PDFDocument({
    pdfVersion: "1.7",
    size: "A4",
    layout: options.layout ?? "portrait",
    margins: { top: margin, bottom: margin, left: margin, right: margin },
    autoFirstPage: false,
    compress: true,
    lang: options.lang,
    displayTitle: true,
    info: {
      Title: options.title,
      Author: options.organization,
      Creator: "Appeals",
      Producer: "Appeals (PDFKit)",
      CreationDate: options.date,
      ModDate: options.date,
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
    doc.on("error", reject);
  });
  doc.pipe(out);
  const files = fontFiles();
  registerFont(doc, "regular", files.regular);
  registerFont(doc, "bold", files.bold);
  doc.addPage();
  const regular = embeddedFont(doc, "regular");
  const bold = embeddedFont(doc, "bold");
  const raw: Record<Weight, RawFont> = { regular: new RawFont(regular), bold: new RawFont(bold) };
  const scripts = new ScriptFonts(doc, { regular, bold }, new Map());
  return { doc, done, raw, scripts };
}

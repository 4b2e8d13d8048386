/**
 * The empty signature a letter is rendered with, filled in afterwards by sign.server.ts.
 *
 * What the renderer writes (just before doc.end(), on the last page, which pdfkit has not written yet):
 *   - a signature dictionary: /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached,
 *     /ByteRange [0 /********** /********** /**********] (36 characters the signer overwrites with
 *     the real, space-padded numbers), /Contents <00…> (SIGNATURE_BYTES zero bytes as hex, the room
 *     for the CMS), /M (the claimed signing time), /Name (the organization);
 *   - an invisible signature field (a widget with an empty /Rect, printable and locked) on the last
 *     page's /Annots, and the catalog's /AcroForm with /SigFlags 3 (signatures exist, append only).
 *
 * Why not @signpdf/placeholder-pdfkit (3.3.0, which does the same with pdfkit 0.11+): it calls
 * doc.initForm(), which adds a form font, /DA and /NeedAppearances true to a letter that has no
 * form; it writes adbe.pkcs7.detached and /M = now unless told otherwise, and a /Prop_Build; and it
 * brings @signpdf/utils. These ~20 lines write only what a PAdES signature field needs.
 */

/** Room for the CMS: a P-256 or RSA-3072 signature with its certificate is 1–2 KB; a B-T timestamp token adds 3–6 KB. */
export const SIGNATURE_BYTES = 16 * 1024;

export const BYTE_RANGE_PLACEHOLDER = "**********";
/** How the placeholder's ByteRange appears in the file (pdfkit writes strings as names). */
export const BYTE_RANGE_MARKER = `/ByteRange [0 /${BYTE_RANGE_PLACEHOLDER} /${BYTE_RANGE_PLACEHOLDER} /${BYTE_RANGE_PLACEHOLDER}]`;

export interface SignaturePlaceholder {
  /** The claimed signing time (/M); the letter's generatedAt keeps the bytes deterministic. */
  signedAt: Date;
  /** The signer's name shown by viewers (/Name): the organization. */
  name: string;
  /** /Reason, e.g. the verification code. */
  reason?: string;
  /** Bytes reserved for the CMS (default SIGNATURE_BYTES). */
  bytes?: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function internalsChanged(what: string): Error {
  return new Error(`pdfkit internals changed (${what}); check app/pdf/signature-placeholder.server.ts against the installed pdfkit`);
}

/** A PDF text string: pdfkit writes String objects as (…) strings (UTF-16BE when not ASCII) and plain strings as names. */
function pdfText(text: string) {
  // pdfkit tells a PDF string from a name by this wrapper object.
  return new String(text);
}

/** Adds the placeholder to `doc`. Call once, after the last page's content and before doc.end(). */
export function addSignaturePlaceholder(doc: PDFKit.PDFDocument, placeholder: SignaturePlaceholder): void {
  const root: unknown = Reflect.get(doc, "_root");
  if (!isObject(root) || !isObject(root.data)) throw internalsChanged("doc._root.data");
  if (root.data.AcroForm !== undefined || Reflect.get(doc, "_acroform") !== undefined) throw new Error("the document already has a form");
  const annotations: unknown = doc.page.annotations;
  if (!Array.isArray(annotations)) throw internalsChanged("page.annotations");

  const bytes = placeholder.bytes ?? SIGNATURE_BYTES;
  const signature = doc.ref({
    Type: "Sig",
    Filter: "Adobe.PPKLite",
    SubFilter: "ETSI.CAdES.detached",
    ByteRange: [0, BYTE_RANGE_PLACEHOLDER, BYTE_RANGE_PLACEHOLDER, BYTE_RANGE_PLACEHOLDER],
    Contents: new Uint8Array(bytes),
    M: placeholder.signedAt,
    Name: pdfText(placeholder.name),
    ...(placeholder.reason ? { Reason: pdfText(placeholder.reason) } : {}),
  });
  signature.end(undefined); // written now; @types/pdfkit wants the optional chunk spelled out
  const widget = doc.ref({
    Type: "Annot",
    Subtype: "Widget",
    FT: "Sig",
    F: 132, // Print (4) + Locked (128)
    Rect: [0, 0, 0, 0],
    V: signature,
    T: pdfText("Signature1"),
    P: doc.page.dictionary,
  });
  annotations.push(widget);
  widget.end(undefined);
  // pdfkit's endAcroForm (run by doc.end()) ends the form (and fields with /Kids only), and needs
  // its _acroform bookkeeping and a /DR /Font dictionary to exist; a signature field needs no font.
  root.data.AcroForm = doc.ref({ Fields: [widget], SigFlags: 3, DR: { Font: {} } });
  Reflect.set(doc, "_acroform", { fonts: {}, defaultFont: "Signature" });
}

import { z } from "zod";
import { signSchema, type SignerFields } from "./sign";

/**
 * A signature from a paper sheet: the sign form's own fields and rules (which of city, country,
 * organization and position the appeal asks for, and their lengths), without the address and the
 * consent box (the sheet's statement is the consent). The signer's disclosure defaults to public:
 * the sheet says the name is published (app/pdf/sheet.server.ts).
 */
export function paperSchema(fields: SignerFields) {
  return signSchema(fields)
    .pick({ name: true, city: true, country: true, organization: true, position: true })
    .extend({
      disclosure: z.preprocess(
        (v) => (typeof v === "string" && v.trim() !== "" ? v.trim().toLowerCase() : "public"),
        z.enum(["public", "initials", "private"], { message: "sign.chooseDisclosure" }),
      ),
    });
}

export type PaperInput = z.output<ReturnType<typeof paperSchema>>;

/** The columns a paper sheet and its CSV have, in order: the name, then the fields the appeal asks for. */
export const PAPER_COLUMNS = ["name", "city", "country", "organization", "position"] as const;
export type PaperColumn = (typeof PAPER_COLUMNS)[number];

export function sheetColumns(fields: SignerFields): PaperColumn[] {
  return PAPER_COLUMNS.filter((c) => c === "name" || fields[c] !== "off");
}

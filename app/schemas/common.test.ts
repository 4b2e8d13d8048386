import { describe, expect, it } from "vitest";
import { addresseeSchema, newAppealSchema, publishSchema, versionSchema } from "./appeal";
import { signSchema } from "./sign";
import { removeSignatureSchema } from "./signatures";

const BREAKS = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\t"];
const CONTROLS = ["\u0000", "\u0007", "\u000b", "\u000c", "\u001b", "\u007f", "\u0085", "\u009b", "\u202e", "\u2066"];

const sign = signSchema({ city: "optional", country: "optional", organization: "optional", position: "optional" });
const signer = { name: "Aigerim Seitkali", email: "a@example.org", city: "", country: "", organization: "", position: "", disclosure: "public", consent: "on" };

function errorOf(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }, field: string) {
  return result.error?.issues.find((i) => i.path.join(".") === field)?.message;
}

describe("single-line fields", () => {
  it("refuse line breaks (a paragraph and a link of the signer's own in a platform e-mail) and control characters", () => {
    for (const field of ["name", "city", "organization", "position"]) {
      for (const br of BREAKS) {
        const value = `Aigerim${br}Click https://evil.example/now`;
        expect(errorOf(sign.safeParse({ ...signer, [field]: value }), field), `${field} ${JSON.stringify(br)}`).toBe("form.singleLine");
      }
      for (const c of CONTROLS)
        expect(errorOf(sign.safeParse({ ...signer, [field]: `A${c}B` }), field), `${field} ${JSON.stringify(c)}`).toBe("form.controlChars");
    }
    // Surrounding white space is trimmed, as before: no line break is left in the value.
    expect(sign.parse({ ...signer, name: "  Aigerim Seitkali\r\n" }).name).toBe("Aigerim Seitkali");
  });

  it("every other single-line field too: titles, addressee names, the change note, the removal reason", () => {
    const broken = "One\nTwo";
    expect(errorOf(newAppealSchema.safeParse({ organizationId: "1", slug: "clean-air", originalLanguage: "en", title: broken }), "title")).toBe(
      "form.singleLine",
    );
    expect(errorOf(versionSchema.safeParse({ title: broken, summary: "", body: "x" }), "title")).toBe("form.singleLine");
    const addressee = addresseeSchema(["en", "ru"], "en");
    for (const field of ["name.en", "name.ru", "position.en", "institution.ru"]) {
      expect(errorOf(addressee.safeParse({ "name.en": "Minister", [field]: broken }), field), field).toBe("form.singleLine");
    }
    expect(errorOf(publishSchema.safeParse({ changeNote: broken }), "changeNote")).toBe("form.singleLine");
    expect(errorOf(removeSignatureSchema.safeParse({ signatureId: "1", reason: broken }), "reason")).toBe("form.singleLine");
  });

  it("multi-line fields keep their line breaks: the summary and the body", () => {
    const parsed = versionSchema.parse({ title: "Clean air", summary: "First line.\nSecond line.", body: "Dear Minister,\n\nplease act." });
    expect(parsed.summary).toBe("First line.\nSecond line.");
    expect(parsed.body).toBe("Dear Minister,\n\nplease act.");
  });
});

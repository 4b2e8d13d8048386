import { describe, expect, it } from "vitest";
import { SIGN_LIMITS, signSchema } from "./sign";

const sign = signSchema({ city: "optional", country: "optional", organization: "optional", position: "optional" });
const signer = { name: "Aigerim Seitkali", email: "a@example.org", city: "", country: "", organization: "", position: "", disclosure: "public", consent: "on" };

/** An address of exactly `length` characters. */
const addressOf = (length: number) => `${"a".repeat(length - "@example.org".length)}@example.org`;

describe("SIGN_LIMITS (the sign form's maxLength attributes) are the schema's limits", () => {
  it("a value as long as the form lets a person type is accepted; one character more is refused", () => {
    for (const field of ["name", "city", "organization", "position"] as const) {
      const max = SIGN_LIMITS[field];
      expect(sign.safeParse({ ...signer, [field]: "x".repeat(max) }).success, `${field} at ${max}`).toBe(true);
      const over = sign.safeParse({ ...signer, [field]: "x".repeat(max + 1) });
      expect(over.error?.issues.find((i) => i.path.join(".") === field)?.message, `${field} at ${max + 1}`).toBe(`form.tooLong:${max}`);
    }
    expect(sign.safeParse({ ...signer, email: addressOf(SIGN_LIMITS.email) }).success).toBe(true);
    expect(sign.safeParse({ ...signer, email: addressOf(SIGN_LIMITS.email + 1) }).error?.issues[0]?.message).toBe("form.invalidEmail");
  });
});

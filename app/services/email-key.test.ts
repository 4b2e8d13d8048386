import { describe, expect, it } from "vitest";
import { emailKey } from "./email-key";

describe("one signature per address", () => {
  it("ignores case, spaces, and what providers ignore", () => {
    expect(emailKey("  Jane.Doe+appeal@GMail.com ")).toBe("janedoe@gmail.com");
    expect(emailKey("jane.doe@googlemail.com")).toBe("janedoe@gmail.com");
    expect(emailKey("ivan+x@yandex.kz")).toBe("ivan@yandex.ru");
    expect(emailKey("first.last@outlook.com")).toBe("first.last@outlook.com");
  });

  it("keeps dots and plus-tags where the provider does not ignore them", () => {
    expect(emailKey("a.b+c@example.org")).toBe("a.b+c@example.org");
    expect(emailKey("a.b+c@mail.ru")).toBe("a.b+c@mail.ru");
  });
});

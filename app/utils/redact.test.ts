import { describe, expect, it } from "vitest";
import { redactPath } from "./redact";

describe("log redaction", () => {
  it("drops query strings and masks addresses and tokens", () => {
    expect(redactPath("/login?email=a@b.org")).toBe("/login");
    expect(redactPath("/s/confirm/Zt0k3nZt0k3nZt0k3nZt0k3n")).toBe("/s/confirm/[token]");
    expect(redactPath("/people/jane.doe@example.org/x")).toBe("/people/[email]/x");
    expect(redactPath("/people/jane.doe%40example.org")).toBe("/people/[email]");
    expect(redactPath("/appeals/demo-appeal")).toBe("/appeals/demo-appeal");
  });
});

import { describe, expect, it } from "vitest";
import { redact, redactPath } from "./redact";

describe("log redaction", () => {
  it("drops query strings and masks addresses and tokens", () => {
    expect(redactPath("/login?email=a@b.org")).toBe("/login");
    expect(redactPath("/s/confirm/Zt0k3nZt0k3nZt0k3nZt0k3n")).toBe("/s/confirm/[token]");
    expect(redactPath("/people/jane.doe@example.org/x")).toBe("/people/[email]/x");
    expect(redactPath("/people/jane.doe%40example.org")).toBe("/people/[email]");
    expect(redactPath("/appeals/demo-appeal")).toBe("/appeals/demo-appeal");
  });
});

describe("log redaction of crafted URLs", () => {
  const token = "Zt0k3nZt0k3nZt0k3nZt0k3nZt0k3nZt0k3nZt0k3n";
  const encoded = [...token].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join("");
  it.each([
    [`/s/confirm/${encoded}`],
    [`/s/confirm/${encoded.replace(/%/g, "%25")}`],
    [`/s%2Fconfirm%2F${token}`],
    [`/s/confirm/${token.slice(0, 10)}${encoded.slice(30)}`],
    [`/login/t/${token}?_data=routes/login_.t.$token`],
    [`/?_data=routes/s.confirm.${token}`],
    [`/appeals/x/a%40b.org`],
  ])("%s holds no token or address once redacted", (url) => {
    const line = redactPath(url);
    expect(line).not.toContain(token);
    expect(line).not.toContain(token.slice(0, 20));
    expect(line).not.toMatch(/a@b\.org|a%40b/i);
  });

  it("masks a token quoted in an error message, encoded or not", () => {
    expect(redact(`Error: Route "routes/s.confirm.$token" does not match URL "/s/confirm/${token}"`)).not.toContain(token);
    expect(redact(`GET /s/confirm/${encoded} failed`)).not.toContain(token.slice(0, 20));
  });
});

describe("what redaction leaves readable", () => {
  it("keeps words and identifiers of stack traces and slugs", () => {
    const line = "at getInternalRouterError (/app/node_modules/@remix-run/server-runtime/dist/server.js:245:40)";
    expect(redact(line)).toBe(line);
    expect(redactPath("/appeals/an-open-letter-on-clean-air")).toBe("/appeals/an-open-letter-on-clean-air");
  });

  it("masks any 43-character token, even one without a digit", () => {
    expect(redact(`/s/confirm/${"abcdefghij".repeat(4)}xyz`)).toBe("/s/confirm/[token]");
  });
});

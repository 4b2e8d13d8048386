import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.server";

describe("configuration", () => {
  it("has working defaults for development", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.READ_DATABASE_URL).toBeUndefined();
    expect(env.DATA_DIR).toMatch(/\.data$/);
    // Organizations do not register themselves unless the operator says so.
    expect(env.ORG_REGISTRATION).toBe("closed");
    expect(parseEnv({ ORG_REGISTRATION: "approval" }).ORG_REGISTRATION).toBe("approval");
  });

  it.each([
    [{ PORT: "eighty" }, "Invalid configuration: PORT must be a number"],
    [{ ORG_REGISTRATION: "yes" }, 'Invalid configuration: ORG_REGISTRATION must be "closed", "approval" or "open"'],
    [{ PORT: "70000" }, "Invalid configuration: PORT must be between 0 and 65535"],
    [{ DATABASE_URL: "mysql://x" }, "Invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql://"],
    [{ READ_DATABASE_URL: "replica:5432" }, "Invalid configuration: READ_DATABASE_URL must be a URL starting with postgres:// or postgresql://"],
    [{ SMTP_URL: "not a url" }, "Invalid configuration: SMTP_URL must be a URL starting with smtp:// or smtps://"],
    [{ APP_URL: "example.org" }, "Invalid configuration: APP_URL must be an absolute http:// or https:// URL"],
    [{ NODE_ENV: "production" }, "Invalid configuration: SESSION_SECRET is required in production and must be at least 32 characters"],
    [
      { NODE_ENV: "production", SESSION_SECRET: "x".repeat(40) },
      "Invalid configuration: SIGNING_KEY_SECRET is required in production and must be at least 32 characters (it encrypts the letters' signing keys; keep it apart from the database)",
    ],
    [{ TSA_URL: "ftp://tsa.example" }, "Invalid configuration: TSA_URL must be a URL starting with http:// or https://"],
  ])("stops with one line naming the variable: %j", (input, message) => {
    expect(() => parseEnv(input)).toThrowError(message);
  });

  it("accepts a complete production configuration", () => {
    const env = parseEnv({
      NODE_ENV: "production",
      SESSION_SECRET: "x".repeat(40),
      SIGNING_KEY_SECRET: "k".repeat(40),
      DATA_KEY: Buffer.alloc(32, 7).toString("base64"),
      APP_URL: "https://appeals.example.org/",
      DATABASE_URL: "postgres://u:p@db:5432/appeals",
      READ_DATABASE_URL: "postgres://u:p@db-replica:5432/appeals",
      SMTP_URL: "smtp://mail:25",
    });
    expect(env.APP_URL).toBe("https://appeals.example.org");
    expect(env.READ_DATABASE_URL).toBe("postgres://u:p@db-replica:5432/appeals");
    expect(env.SIGNING_KEY_SECRET).toBe("k".repeat(40));
  });

  it("derives the signing-key secret from the session secret outside production, never equal to it", () => {
    const a = parseEnv({ SESSION_SECRET: "a".repeat(40) });
    expect(a.SIGNING_KEY_SECRET).toBe(parseEnv({ SESSION_SECRET: "a".repeat(40) }).SIGNING_KEY_SECRET);
    expect(a.SIGNING_KEY_SECRET).not.toBe(parseEnv({ SESSION_SECRET: "b".repeat(40) }).SIGNING_KEY_SECRET);
    expect(a.SIGNING_KEY_SECRET).not.toContain("a".repeat(40));
    expect(parseEnv({}).TSA_URL).toBeUndefined();
  });
});

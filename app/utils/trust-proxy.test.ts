import { spawnSync } from "node:child_process";
import path from "node:path";
import express from "express";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRUST_PROXY, parseEnv } from "./env.server";

/** TRUST_PROXY: which proxies' X-Forwarded-For the app believes (server/http.ts), checked at the start. */
describe("TRUST_PROXY", () => {
  it.each([
    [undefined, DEFAULT_TRUST_PROXY],
    ["", DEFAULT_TRUST_PROXY],
    ["1", 1],
    [" 2 ", 2],
    ["0", 0],
    ["loopback", ["loopback"]],
    ["loopback, 203.0.113.0/24, 2001:db8::/32, 198.51.100.7", ["loopback", "203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]],
  ])("%j is taken as %j", (value, expected) => {
    expect(parseEnv({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each(["true", "everyone", "1.2.3", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/8/8", "-1", "1.5", ",", "loopback, 300.1.1.1"])(
    "%j stops the start with a line naming it",
    (value) => {
      expect(() => parseEnv({ TRUST_PROXY: value })).toThrow(/^Invalid configuration: TRUST_PROXY must be a number of proxy hops/);
    },
  );

  it("every accepted value is one express takes", () => {
    for (const value of ["1", "loopback, 203.0.113.0/24, 2001:db8::/32"]) {
      const app = express();
      expect(() => app.set("trust proxy", parseEnv({ TRUST_PROXY: value }).TRUST_PROXY)).not.toThrow();
    }
  });

  it("the server does not start with a malformed value, and says why", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", path.resolve("server.ts")], {
      env: { ...process.env, TRUST_PROXY: "10.0.0.0/99", PORT: "0", HOST: "127.0.0.1" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'Invalid configuration: TRUST_PROXY must be a number of proxy hops (e.g. 1) or a comma-separated list of addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal (not understood: "10.0.0.0/99")',
    );
  });
});

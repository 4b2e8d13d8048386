import { describe, expect, it } from "vitest";
import { clientKey, ipHash, tokenGuessPenalty, TOKEN_GUESS_MAX_WAIT_S, TOKEN_GUESS_WINDOW_S, TOKEN_GUESSES_PER_IP } from "./abuse.server";

/** Who counts as one client for every per-client limit (sign, sign-in, link guessing). */
describe("clientKey", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["::FFFF:cb00:7107", "203.0.113.7"],
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["2001:0DB8:0001:0002:0:0:0:9", "2001:db8:1:2::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["64:ff9b::192.0.2.1", "64:ff9b:0:0::/64"],
    ["", ""],
  ])("%j counts as %j", (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });

  it("every address of one /64 has one hash; the next /64 another", () => {
    expect(ipHash("2001:db8:aa:bb::1")).toBe(ipHash("2001:db8:aa:bb:1234:5678:9abc:def0"));
    expect(ipHash("2001:db8:aa:bb::1")).not.toBe(ipHash("2001:db8:aa:bc::1"));
    expect(ipHash("::ffff:198.51.100.1")).toBe(ipHash("198.51.100.1"));
    expect(ipHash("198.51.100.1")).not.toBe(ipHash("198.51.100.2"));
  });
});

describe("the wait for a link guesser over the limit", () => {
  it("doubles with every further limit's worth of guesses, up to a day", () => {
    expect(tokenGuessPenalty(1)).toBe(TOKEN_GUESS_WINDOW_S);
    expect(tokenGuessPenalty(TOKEN_GUESSES_PER_IP + 1)).toBe(2 * TOKEN_GUESS_WINDOW_S);
    expect(tokenGuessPenalty(TOKEN_GUESSES_PER_IP * 1000)).toBe(TOKEN_GUESS_MAX_WAIT_S);
  });
});

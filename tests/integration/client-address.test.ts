import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { TOKEN_GUESSES_PER_IP } from "../../app/services/abuse.server";
import { getDb } from "../../db/client";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, tokenIn, type Harness } from "./support/harness";

/**
 * Issue 11, item 6: who "one client" is. A guesser over the token limit does not lock the
 * people behind its address (a school, a carrier) out of their real links; an IPv6 guesser
 * cannot rotate out of the limit inside its /64; with TRUST_PROXY set to a hop count, the
 * client is the address that many hops back in X-Forwarded-For, not one the client wrote.
 */
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const guess = () => crypto.randomBytes(32).toString("base64url");
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("client address", () => {
  describe("behind the default proxies", () => {
    let h: Harness;
    let appeal: { id: number; slug: string };

    beforeAll(async () => {
      // Refusals at once: dozens are refused one after another here (the hold of a refusal,
      // REFUSAL_HOLD_MS, is tested in request-budget.test.ts).
      h = await startHarness({ REFUSAL_HOLD_MS: "0" });
      appeal = await publishedAppeal(await newOrganization("Client address NGO"));
    }, 120_000);

    afterAll(async () => {
      await h?.stop();
    });

    const open = async (path: string, client: string, method = "GET") => {
      const res = await fetch(`${h.url}${path}`, { method, headers: { "X-Forwarded-For": client }, redirect: "manual" });
      await res.arrayBuffer();
      return res;
    };
    /** Unknown tokens until the client is over the limit (each is counted after its answer). */
    const exhaust = async (client: (i: number) => string) => {
      for (let i = 0; i < TOKEN_GUESSES_PER_IP; i++) expect((await open(`/s/confirm/${guess()}`, client(i))).status).toBeLessThan(429);
      await pause(300);
    };

    it("a neighbour of a guesser confirms with its real link; the guesser gets 429 and a growing wait", async () => {
      const school = "203.0.113.77";
      await exhaust(() => school);
      const first = await open(`/s/withdraw/${guess()}`, school);
      expect(first.status).toBe(429);
      const firstWait = Number(first.headers.get("retry-after"));
      expect(firstWait).toBeGreaterThan(0);

      // A pupil behind the same address signs and confirms with the link from the e-mail.
      const email = uniqueEmail("pupil");
      const signed = await fetch(`${h.url}/appeals/${appeal.slug}`, {
        method: "POST",
        headers: { ...FORM, "X-Forwarded-For": school },
        body: signForm({ name: "Pupil", email }),
        redirect: "manual",
      });
      expect(signed.status).toBe(303);
      const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
      const confirm = tokenIn(mail.text, "confirm");
      expect((await open(`/s/confirm/${confirm}`, school)).status).toBe(200);
      expect((await open(`/s/confirm/${confirm}`, school, "POST")).status).toBe(303);
      const row = await getDb()
        .selectFrom("signatures")
        .select("status")
        .where("name", "=", "Pupil")
        .where("appeal_id", "=", appeal.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe("confirmed");
      // Its other links open too (withdraw page), while the guesser is still refused.
      expect((await open(`/s/withdraw/${tokenIn(mail.text, "withdraw")}`, school)).status).toBe(200);

      // The guesser keeps going: every unknown token 429, and the wait grows.
      for (let i = 0; i < TOKEN_GUESSES_PER_IP; i++) expect((await open(`/s/confirm/${guess()}`, school)).status).toBe(429);
      const later = await open(`/login/t/${guess()}`, school);
      expect(later.status).toBe(429);
      expect(Number(later.headers.get("retry-after"))).toBeGreaterThan(firstWait);

      // Many at once (a guesser opening connections in parallel): all refused, none a 500, and the app answers others.
      const burst = await Promise.all(Array.from({ length: 40 }, () => open(`/s/reject/${guess()}`, school)));
      expect(burst.map((r) => r.status).filter((s) => s !== 429)).toEqual([]);
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
      expect((await open(`/s/withdraw/${tokenIn(mail.text, "withdraw")}`, school)).status).toBe(200);
    });

    it("an IPv6 guesser rotating addresses inside its /64 is limited; the next /64 is not", async () => {
      await exhaust((i) => `2001:db8:5:6::${(i + 1).toString(16)}`);
      expect((await open(`/s/confirm/${guess()}`, "2001:db8:5:6:ffff:abcd:1234:9")).status).toBe(429);
      expect((await open(`/s/confirm/${guess()}`, "2001:db8:5:7::1")).status).toBeLessThan(429);
    });

    it("an IPv4 client seen as IPv4-mapped IPv6 is the same client", async () => {
      await exhaust((i) => (i % 2 ? "192.0.2.44" : "::ffff:192.0.2.44"));
      expect((await open(`/s/confirm/${guess()}`, "192.0.2.44")).status).toBe(429);
      expect((await open(`/s/confirm/${guess()}`, "::ffff:c000:22c")).status).toBe(429);
    });
  });

  describe("with TRUST_PROXY=2 (a CDN with public addresses, then a reverse proxy on this host)", () => {
    let h: Harness;
    const edge = "198.51.100.200"; // the CDN's edge: a public address, not trusted by default

    beforeAll(async () => {
      h = await startHarness({ TRUST_PROXY: "2", LOGIN_LIMIT_PER_IP: "3" });
    }, 120_000);

    afterAll(async () => {
      await h?.stop();
    });

    const login = async (forwardedFor: string) => {
      const res = await fetch(`${h.url}/login`, {
        method: "POST",
        headers: { ...FORM, "X-Forwarded-For": forwardedFor },
        body: `email=${encodeURIComponent(uniqueEmail("hop"))}`,
        redirect: "manual",
      });
      await res.arrayBuffer();
      return res.status;
    };

    it("the client is the address the CDN saw, not the CDN, and not what the client wrote", async () => {
      // The client writes a different X-Forwarded-For each time; the CDN appends the client, the local proxy the CDN.
      for (let i = 1; i <= 3; i++) expect(await login(`10.0.0.${i}, 198.51.100.${i}, 203.0.113.90, ${edge}`)).toBe(200);
      expect(await login(`10.0.0.99, 203.0.113.90, ${edge}`)).toBe(429);
      // Another client through the same CDN edge is not limited, even if it claims to be the first one.
      expect(await login(`203.0.113.90, 203.0.113.91, ${edge}`)).toBe(200);
    });
  });
});

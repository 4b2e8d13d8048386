import { RateLimiterRes } from "rate-limiter-flexible";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { parseEnv, setEnv } from "../utils/env.server";
import { newLimiter, purgeExpiredLimits, resetLimits } from "./abuse.server";

/**
 * LIMITS_STORE=postgres (issue 16, "past one machine"): limiters of the same name in different
 * processes count against one row of rate_limits; when the table cannot be used, each limiter
 * goes on limiting in memory (its insuranceLimiter) instead of letting everyone through.
 */
beforeAll(() => {
  setEnv(parseEnv({ ...process.env, APP_URL: "http://localhost:3000", LIMITS_STORE: "postgres" }));
});

const refused = (p: Promise<unknown>) =>
  p.then(
    () => false,
    (e: unknown) => {
      if (e instanceof RateLimiterRes) return true;
      throw e;
    },
  );

describe("rate limits in PostgreSQL", () => {
  it("two limiters of one name (two processes) count together; another name counts apart", async () => {
    const a = newLimiter("shared-test", { points: 3, duration: 60 });
    const b = newLimiter("shared-test", { points: 3, duration: 60 });
    const other = newLimiter("other-test", { points: 3, duration: 60 });
    expect(await refused(a.consume("client"))).toBe(false);
    expect(await refused(b.consume("client"))).toBe(false);
    expect(await refused(a.consume("client"))).toBe(false);
    expect(await refused(b.consume("client"))).toBe(true);
    expect(await refused(a.consume("client"))).toBe(true);
    expect(await refused(other.consume("client"))).toBe(false);
    const row = await getDb().selectFrom("rate_limits").select(["points", "expire"]).where("key", "=", "shared-test:client").executeTakeFirstOrThrow();
    expect(row.points).toBe(5);
    expect(row.expire).toBeGreaterThan(Date.now());
  });

  it("when the table is missing, the limiter still limits (in memory)", async () => {
    const broken = newLimiter("broken-test", { points: 2, duration: 60 }, { tableName: "no_such_table" });
    expect(await refused(broken.consume("client"))).toBe(false);
    expect(await refused(broken.consume("client"))).toBe(false);
    expect(await refused(broken.consume("client"))).toBe(true);
    expect(await refused(broken.consume("someone else"))).toBe(false);
    expect(await broken.get("client")).toMatchObject({ consumedPoints: 3 });
  });

  it("expired rows are purged; resetLimits empties the table", async () => {
    await getDb()
      .insertInto("rate_limits")
      .values([
        { key: "old-test:client", points: 9, expire: Date.now() - 1000 },
        { key: "live-test:client", points: 1, expire: Date.now() + 60_000 },
      ])
      .execute();
    expect(await purgeExpiredLimits()).toBeGreaterThanOrEqual(1);
    const keys = (await getDb().selectFrom("rate_limits").select("key").execute()).map((r) => r.key);
    expect(keys).toContain("live-test:client");
    expect(keys).not.toContain("old-test:client");
    await resetLimits();
    expect(await getDb().selectFrom("rate_limits").select("key").execute()).toEqual([]);
  });
});

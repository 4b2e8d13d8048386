import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pacingLua, wrkPaced } from "./wrk";

// The benches' steady-rate load (bench:pages' p99 and its background signing): wrk paced by
// pacingLua must send the asked rate, not as fast as it can.
describe("wrk paced (scripts/lib/wrk.ts)", () => {
  let server: http.Server;
  let url: string;
  let seen = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      seen++;
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends about `rate` requests a second over the run, with its latencies", async () => {
    const result = await wrkPaced({ url, rate: 400, seconds: 2, connections: 8, headers: { "Accept-Language": "kk" } });
    expect(result.errors).toBe(0);
    expect(result.rps).toBeGreaterThan(400 * 0.9);
    expect(result.rps).toBeLessThan(400 * 1.1);
    expect(seen).toBeGreaterThan(700);
    expect(seen).toBeLessThan(900);
    expect(result.p99).toBeGreaterThan(0);
  });

  it("adds nothing when no rate is asked", () => {
    expect(pacingLua(0)).toBe("");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { getDb } from "../../db/client";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { startApp, type AppProcess } from "../setup/app-process";
import { publishedAppeal, SECRET, SIGNING_KEY_SECRET, signForm, startHarness, type Harness } from "./support/harness";

/**
 * Issue 16, "past one machine": two app processes on one database with LIMITS_STORE=postgres
 * enforce one sign limit per client. Signs from one client alternate between the processes; the
 * (SIGN_LIMIT_PER_IP+1)th is refused whichever process takes it. (A refused sign is answered like
 * any other — 303, "check your e-mail" — and recorded as an ip_rate abuse event, with no row.)
 * With LIMITS_STORE=memory each process counts its own, so the same signs all pass.
 */
/** SIGN_LIMIT_PER_IP's shipped default (app/utils/env.server.ts): the 61st sign from one client is refused. */
const LIMIT = 60;
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

async function twoProcesses(store: "memory" | "postgres"): Promise<{ h: Harness; second: AppProcess }> {
  const env = { LIMITS_STORE: store, SIGN_LIMIT_PER_IP: String(LIMIT) };
  const h = await startHarness(env);
  const second = await startApp({
    SMTP_URL: h.sink.url,
    DATA_DIR: h.dataDir,
    SESSION_SECRET: SECRET,
    SIGNING_KEY_SECRET,
    MIN_FILL_SECONDS: "0",
    SIGN_LIMIT_PER_ADDRESS: "1000",
    LOGIN_LIMIT_PER_IP: "100000",
    LOGIN_LIMIT_PER_ADDRESS: "1000",
    LOG_REQUESTS: "0",
    ...env,
  });
  return { h, second };
}

/** LIMIT+1 signs from `client`, alternating between the processes, the last (the one over the limit) to `urls[0]`. */
async function signAlternating(urls: string[], slug: string, client: string): Promise<void> {
  for (let i = 0; i <= LIMIT; i++) {
    const url = urls[(LIMIT - i) % 2] ?? "";
    const res = await fetch(`${url}/appeals/${slug}`, {
      method: "POST",
      headers: { ...FORM, Origin: url, "X-Forwarded-For": client },
      body: signForm({ name: `Signer ${i}`, email: uniqueEmail(`shared${i}`) }),
      redirect: "manual",
    });
    await res.arrayBuffer();
    expect(res.status).toBe(303);
  }
}

async function outcome(appealId: number) {
  const rows = await getDb().selectFrom("signatures").select("id").where("appeal_id", "=", appealId).execute();
  const refusals = await getDb().selectFrom("abuse_events").select("id").where("appeal_id", "=", appealId).where("kind", "=", "ip_rate").execute();
  return { stored: rows.length, refused: refusals.length };
}

describe("limits shared across processes (LIMITS_STORE=postgres)", () => {
  let h: Harness;
  let second: AppProcess;

  beforeAll(async () => {
    ({ h, second } = await twoProcesses("postgres"));
  }, 240_000);

  afterAll(async () => {
    await second?.stop();
    await h?.stop();
  });

  it("the (limit+1)th sign from one client is refused when the second process takes it", async () => {
    // LIMIT+1 = 61 signs, alternating between the processes; the 61st goes to the second.
    const appeal = await publishedAppeal(await newOrganization("Shared limits A"));
    await signAlternating([second.url, h.url], appeal.slug, "198.51.100.21");
    expect(await outcome(appeal.id)).toEqual({ stored: LIMIT, refused: 1 });
    // The count is one row of rate_limits (a keyed hash of the client, never the address).
    const rows = await getDb().selectFrom("rate_limits").select(["key", "points"]).where("key", "like", "sign-ip:%").execute();
    expect(rows.map((r) => r.points)).toContain(LIMIT + 1);
    expect(rows.map((r) => r.key).join()).not.toContain("198.51.100");
  });

  it("... and when the first process takes it", async () => {
    const appeal = await publishedAppeal(await newOrganization("Shared limits B"));
    await signAlternating([h.url, second.url], appeal.slug, "198.51.100.22");
    expect(await outcome(appeal.id)).toEqual({ stored: LIMIT, refused: 1 });
    // Another client is not affected.
    await signAlternating([h.url, second.url], appeal.slug, "198.51.100.23");
    expect(await outcome(appeal.id)).toEqual({ stored: 2 * LIMIT, refused: 2 });
  });
});

describe("limits per process (LIMITS_STORE=memory)", () => {
  let h: Harness;
  let second: AppProcess;

  beforeAll(async () => {
    ({ h, second } = await twoProcesses("memory"));
  }, 240_000);

  afterAll(async () => {
    await second?.stop();
    await h?.stop();
  });

  it("each process counts its own: the same signs all pass", async () => {
    const appeal = await publishedAppeal(await newOrganization("Memory limits"));
    await signAlternating([h.url, second.url], appeal.slug, "198.51.100.31");
    expect(await outcome(appeal.id)).toEqual({ stored: LIMIT + 1, refused: 0 });
  });
});

import { sql, type RawBuilder } from "kysely";
import { describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { newOrganization } from "../../tests/fixtures/organizers";
import { loader as dashboardLoader } from "../routes/dashboard";
import { action as logoutAction } from "../routes/logout";
import { createSession, currentUser, SESSION_IDLE_DAYS, SESSION_MAX_DAYS } from "./session.server";
import { env } from "../utils/env.server";
import { hashToken } from "../utils/tokens.server";
import { createCookie } from "@remix-run/node";

const APP = "http://localhost:3000";
const asCookie = (setCookie: string) => setCookie.split(";")[0] ?? "";

/** The session id inside a `__session=` cookie (Remix signs base64(JSON) + "." + signature). */
function idOf(cookie: string): string {
  const signed = decodeURIComponent(cookie.slice("__session=".length));
  return JSON.parse(Buffer.from(signed.slice(0, signed.lastIndexOf(".")), "base64").toString("utf8")) as string;
}

/** What a browser holding `cookie` gets at /dashboard: "dashboard" or where it is sent. */
async function dashboard(cookie: string): Promise<string> {
  try {
    await dashboardLoader({ request: new Request(`${APP}/dashboard`, { headers: { Cookie: cookie } }), params: {}, context: {} });
    return "dashboard";
  } catch (thrown) {
    if (thrown instanceof Response && thrown.status === 302) return thrown.headers.get("Location") ?? "";
    throw thrown;
  }
}

function logout(cookie: string, fields: Record<string, string> = {}) {
  const request = new Request(`${APP}/logout`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
    body: new URLSearchParams(fields).toString(),
  });
  return logoutAction({ request, params: {}, context: {} });
}

describe("server-side sessions", () => {
  it("a cookie copied before signing out no longer opens the dashboard afterwards", async () => {
    const { userId } = await newOrganization();
    const cookie = asCookie(await createSession(userId));
    const copy = cookie; // what someone copied from the browser, or from a proxy's log
    expect(await dashboard(copy)).toBe("dashboard");
    const out = await logout(cookie);
    expect(out.headers.get("Set-Cookie")).toMatch(/^__session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
    expect(await dashboard(copy)).toBe("/login?next=%2Fdashboard");
  });

  it("signing out ends only this browser; signing out everywhere ends every other browser too", async () => {
    const { userId } = await newOrganization();
    const laptop = asCookie(await createSession(userId));
    const phone = asCookie(await createSession(userId));
    const tablet = asCookie(await createSession(userId));
    const other = await newOrganization();
    const someoneElse = asCookie(await createSession(other.userId));

    await logout(tablet);
    expect(await dashboard(tablet)).toMatch(/^\/login/);
    expect(await dashboard(phone)).toBe("dashboard");

    await logout(laptop, { everywhere: "1" });
    expect(await dashboard(laptop)).toMatch(/^\/login/);
    expect(await dashboard(phone)).toBe("/login?next=%2Fdashboard");
    expect(await dashboard(someoneElse)).toBe("dashboard");
    expect(await getDb().selectFrom("sessions").select("user_id").where("user_id", "=", userId).execute()).toEqual([]);
  });

  it("a copy of the database holds no session id that opens a session", async () => {
    const { userId } = await newOrganization();
    const cookie = asCookie(await createSession(userId));
    const id = idOf(cookie);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The dump: every column of every session row, as text.
    const rows = await getDb().selectFrom("sessions").selectAll().execute();
    const dump = JSON.stringify(
      rows.map((r) => Object.values(r).map((v) => (Buffer.isBuffer(v) ? [v.toString("hex"), v.toString("base64"), v.toString("base64url")] : String(v)))),
    );
    expect(dump).not.toContain(id);
    expect(dump).not.toContain(Buffer.from(id, "base64url").toString("hex"));

    // What is stored, put in a correctly signed cookie (even the server's secret leaked too), opens nothing.
    const forger = createCookie("__session", { secrets: [env().SESSION_SECRET] });
    for (const row of rows) {
      for (const value of [row.id_hash.toString("base64url"), row.id_hash.toString("hex"), row.id_hash.toString("base64")]) {
        const forged = asCookie(await forger.serialize(value));
        expect(await currentUser(new Request(APP, { headers: { Cookie: forged } }))).toBeNull();
      }
    }
    expect((await currentUser(new Request(APP, { headers: { Cookie: cookie } })))?.id).toBe(userId);
  });

  it(`ends after ${SESSION_IDLE_DAYS} idle days and ${SESSION_MAX_DAYS} days after sign-in; a used session stays alive`, async () => {
    const { userId } = await newOrganization();
    const who = async (cookie: string) => (await currentUser(new Request(APP, { headers: { Cookie: cookie } })))?.id ?? null;
    const age = (cookie: string, set: { last_seen_at?: RawBuilder<Date>; expires_at?: RawBuilder<Date> }) =>
      getDb()
        .updateTable("sessions")
        .set(set)
        .where("id_hash", "=", hashToken(idOf(cookie)))
        .executeTakeFirstOrThrow();
    const idle = asCookie(await createSession(userId));
    const old = asCookie(await createSession(userId));
    const busy = asCookie(await createSession(userId));
    await age(idle, { last_seen_at: sql<Date>`now() - make_interval(days => ${SESSION_IDLE_DAYS}, mins => 1)` });
    await age(old, { expires_at: sql<Date>`now() - interval '1 second'` });
    await age(busy, { last_seen_at: sql<Date>`now() - make_interval(days => ${SESSION_IDLE_DAYS - 1})` });
    const [expires] = await getDb()
      .selectFrom("sessions")
      .select(sql<number>`extract(epoch from expires_at - created_at)`.as("s"))
      .where("id_hash", "=", hashToken(idOf(busy)))
      .execute();
    expect(Math.round(Number(expires?.s) / 86400)).toBe(SESSION_MAX_DAYS);

    expect([await who(idle), await who(old), await who(busy)]).toEqual([null, null, userId]);
    // Its use is recorded: the idle clock starts again.
    const seen = await getDb()
      .selectFrom("sessions")
      .select(sql<boolean>`last_seen_at > now() - interval '1 minute'`.as("fresh"))
      .where("id_hash", "=", hashToken(idOf(busy)))
      .executeTakeFirstOrThrow();
    expect(seen.fresh).toBe(true);
  });
});

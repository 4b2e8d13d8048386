import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSigners, daysAgo, fixtureNames, hoursAgo, publishedAppeal, signerAddress } from "../../tests/fixtures/campaign";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { closeDb } from "../../db/client";
import { getDb } from "../../tests/setup/vitest-db";
import { action as signaturesAction, loader as signaturesLoader } from "../routes/dashboard.appeals.$id.signatures";
import { parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { campaignStats, removeSignature, revocations, setHidden } from "./campaign.server";
import { exactConfirmed } from "./counts.server";
import { inviteMember } from "./organizations.server";
import { publicSigners } from "./signing.server";
import { findUserByEmail } from "../../db/queries/organizations";
import { open, seal } from "./data-key.server";

/**
 * The organizers' dashboard of one appeal: every number it shows is checked against what SQL
 * says of the signatures table; moderation (hide, remove with a reason) and who may see it.
 */

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, APP_URL: "https://appeals.example" }));
});

const NAMES = fixtureNames();

type Appeal = Awaited<ReturnType<typeof publishedAppeal>>;

/** Names of the fixture spread over the last hours and days, plus signatures that must not count. */
async function seed(appeal: Appeal) {
  const confirmed = NAMES.map((n, i) => ({
    name: n.name,
    city: n.city,
    country: n.country,
    email: signerAddress(`s${i}`),
    disclosure: i % 3 === 0 ? ("initials" as const) : ("public" as const),
    // The first twelve within the last 36 hours (two in the same hour), the rest days ago.
    at: i < 12 ? hoursAgo(Math.floor(i / 2) * 5 + 0.2 + (i % 2) * 0.1) : daysAgo(3 + i),
  }));
  const ids = await addSigners(appeal.id, [
    ...confirmed,
    // One city written three ways: one place in the breakdown.
    { name: "Дәулет Әбілов", city: "Алматы", country: "KZ", at: hoursAgo(2.3) },
    { name: "Самал Нұрланқызы", city: "алматы", country: "KZ", at: hoursAgo(2.4) },
    { name: "Ерлан Қасымов", city: "АЛМАТЫ", country: "KZ", at: daysAgo(10) },
    // No place given.
    { name: "Аноним Без Места", city: null, country: null, at: daysAgo(1.2) },
    { name: "Второй Без Места", city: null, country: null, at: daysAgo(5.5) },
    // Never counted as confirmed.
    { name: "Ожидающий Подтверждения", status: "pending", email: signerAddress("pending") },
    { name: "Ещё Один Ожидающий", status: "pending", email: signerAddress("pending") },
    { name: "Отозвавший Подпись", status: "withdrawn", email: signerAddress("withdrawn"), at: daysAgo(20) },
    { name: "Удалённый Модератором", status: "removed", at: daysAgo(21) },
  ]);
  return ids;
}

async function sqlCounts(appealId: number) {
  const rows = await getDb()
    .selectFrom("signatures")
    .select(["status", sql<number>`count(*)::int`.as("n")])
    .where("appeal_id", "=", appealId)
    .groupBy("status")
    .execute();
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  return { confirmed: by.confirmed ?? 0, pending: by.pending ?? 0, withdrawn: by.withdrawn ?? 0, removed: by.removed ?? 0 };
}

async function confirmedRows(appealId: number) {
  return getDb()
    .selectFrom("signatures")
    .select(["id", "name", "city", "country", "confirmed_at"])
    .where("appeal_id", "=", appealId)
    .where("status", "=", "confirmed")
    .execute();
}

async function thrown(promise: Promise<unknown>): Promise<string | number> {
  return promise.then(
    () => "resolved",
    (e: unknown) => (e instanceof Response ? e.status : e instanceof AppError ? e.code : String(e)),
  );
}

/** Checks every number of the statistics against the rows themselves. */
async function expectStatsMatchDatabase(appeal: Appeal, stats: Awaited<ReturnType<typeof campaignStats>>) {
  expect(stats.counts).toEqual(await sqlCounts(appeal.id));
  const rows = await confirmedRows(appeal.id);
  const times = rows.map((r) => new Date(r.confirmed_at!).getTime());

  // Per day: UTC days, every confirmed signature in exactly one day.
  expect(stats.daily.reduce((s, p) => s + p.n, 0)).toBe(rows.length);
  const perDay = new Map<string, number>();
  for (const t of times) {
    const day = new Date(t).toISOString().slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  expect(stats.daily.map((p) => [p.at, p.n])).toEqual([...perDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([d, n]) => [`${d}T00:00:00.000Z`, n]));

  // Per hour: 72 consecutive UTC hours ending with the current one, zeros included.
  expect(stats.hourly).toHaveLength(72);
  const hour = 3600_000;
  const first = new Date(stats.hourly[0]!.at).getTime();
  const last = new Date(stats.hourly[71]!.at).getTime();
  expect(first % hour).toBe(0);
  expect(last).toBe(Math.floor(Date.now() / hour) * hour);
  stats.hourly.forEach((p, i) => expect(new Date(p.at).getTime()).toBe(first + i * hour));
  expect(stats.hourly.map((p) => p.n)).toEqual(
    stats.hourly.map((p) => times.filter((t) => t >= new Date(p.at).getTime() && t < new Date(p.at).getTime() + hour).length),
  );
  expect(stats.hourly.some((p) => p.n > 0)).toBe(true);

  // Places: each listed count is the true count, largest first, and no larger place is left out.
  const countries = new Map<string | null, number>();
  for (const r of rows) countries.set(r.country, (countries.get(r.country) ?? 0) + 1);
  expect(stats.countries.length).toBe(Math.min(10, countries.size));
  for (const c of stats.countries) expect(c.n).toBe(countries.get(c.country));
  expect(stats.countries.map((c) => c.n)).toEqual([...countries.values()].sort((a, b) => b - a).slice(0, 10));

  const cities = new Map<string, number>();
  for (const r of rows) if (r.city) cities.set(`${r.city.toLowerCase()}|${r.country}`, (cities.get(`${r.city.toLowerCase()}|${r.country}`) ?? 0) + 1);
  expect(stats.cities.length).toBe(Math.min(10, cities.size));
  for (const c of stats.cities) expect(c.n).toBe(cities.get(`${c.city.toLowerCase()}|${c.country}`));
  expect(stats.cities.map((c) => c.n)).toEqual([...cities.values()].sort((a, b) => b - a).slice(0, 10));

  // Recent: pending and confirmed, newest first; never an e-mail address.
  const recent = await getDb()
    .selectFrom("signatures")
    .select("id")
    .where("appeal_id", "=", appeal.id)
    .where("status", "in", ["pending", "confirmed"])
    .orderBy("id", "desc")
    .limit(50)
    .execute();
  expect(stats.recent.map((r) => r.id)).toEqual(recent.map((r) => r.id));
  for (const r of stats.recent) expect(Object.keys(r)).not.toContain("email");
  expect(JSON.stringify(stats)).not.toMatch(/@mail\.example/);
}

describe("campaign statistics", () => {
  let appeal: Appeal;
  beforeAll(async () => {
    appeal = await publishedAppeal({ goal: 1000 });
    await seed(appeal);
  });

  it("gives the counts, the hourly and daily series and the places exactly as the database has them", async () => {
    const stats = await campaignStats(appeal.id, appeal.owner.userId);
    await expectStatsMatchDatabase(appeal, stats);
    expect(stats.counts).toEqual({ confirmed: NAMES.length + 5, pending: 2, withdrawn: 1, removed: 1 });
    expect(stats.appeal.goal).toBe(1000);
    // "Алматы", "алматы" and "АЛМАТЫ" are one place with three signatures.
    const almaty = stats.cities.filter((c) => c.city.toLowerCase() === "алматы");
    expect(almaty).toHaveLength(1);
    expect(almaty[0]).toMatchObject({ country: "KZ", n: 3 });
    expect(stats.countries[0]).toMatchObject({ country: "KZ" });
    expect(stats.countries.find((c) => c.country === null)).toEqual({ country: null, n: 2 });
    expect(stats.recent.map((r) => r.name)).toContain("Ожидающий Подтверждения");
    expect(stats.recent.map((r) => r.name)).not.toContain("Отозвавший Подпись");
  });

  it("buckets by UTC hours and days whatever the database session's time zone", async () => {
    const [{ db: name }] = (await sql<{ db: string }>`SELECT current_database() AS db`.execute(getDb())).rows as [{ db: string }];
    // India is UTC+5:30: local hours and days do not start on UTC hours and days.
    await sql`ALTER DATABASE ${sql.id(name)} SET timezone TO 'Asia/Kolkata'`.execute(getDb());
    await closeDb();
    try {
      const zone = await sql<{ tz: string }>`SELECT current_setting('TimeZone') AS tz`.execute(getDb());
      expect(zone.rows[0]?.tz).toBe("Asia/Kolkata");
      await expectStatsMatchDatabase(appeal, await campaignStats(appeal.id, appeal.owner.userId));
    } finally {
      await sql`ALTER DATABASE ${sql.id(name)} RESET timezone`.execute(getDb());
      await closeDb();
    }
  });

  it("is for owners and editors of the appeal's organization only", async () => {
    const editorEmail = signerAddress("editor");
    await inviteMember(appeal.owner.organizationId, appeal.owner.userId, editorEmail, "editor", "en");
    const editor = (await findUserByEmail(getDb(), editorEmail))!;
    expect((await campaignStats(appeal.id, editor.id)).counts.confirmed).toBe(NAMES.length + 5);

    const stranger = await newOrganization("Другая организация");
    expect(await thrown(campaignStats(appeal.id, stranger.userId))).toBe("forbidden");
    expect(await thrown(campaignStats(987654321, appeal.owner.userId))).toBe("not_found");
    expect(await thrown(campaignStats(Number.NaN, appeal.owner.userId))).toBe("not_found");

    // Through the route: 403 and 404 pages, the login page without a session.
    const url = `http://localhost/dashboard/appeals/${appeal.id}/signatures`;
    const load = (id: number | string, cookie?: string) =>
      signaturesLoader({ request: new Request(url, { headers: cookie ? { Cookie: cookie } : {} }), params: { id: String(id) }, context: {} });
    expect(await thrown(load(appeal.id, await sessionCookie(stranger.userId)))).toBe(403);
    expect(await thrown(load(987654321, await sessionCookie(appeal.owner.userId)))).toBe(404);
    expect(await thrown(load(appeal.id))).toBe(302);
    const response = await load(appeal.id, await sessionCookie(appeal.owner.userId));
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = (await response.json()) as { counts: { confirmed: number } };
    expect(body.counts.confirmed).toBe(NAMES.length + 5);
  });

  it("an appeal without confirmed signatures has zero everywhere", async () => {
    const empty = await publishedAppeal();
    await addSigners(empty.id, [{ name: "Ожидающий", status: "pending", email: signerAddress() }]);
    const stats = await campaignStats(empty.id, empty.owner.userId);
    expect(stats.counts).toEqual({ confirmed: 0, pending: 1, withdrawn: 0, removed: 0 });
    expect(stats.daily).toEqual([]);
    expect(stats.hourly.every((p) => p.n === 0)).toBe(true);
    expect(stats.countries).toEqual([]);
    expect(stats.cities).toEqual([]);
  });
});

describe("signatures at rest", () => {
  it("shows organizers a hidden signer's name, stored sealed, as the signer wrote it", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [
      { name: seal("Скрытая Подписантка", "name"), disclosure: "private", email: signerAddress("hidden"), at: hoursAgo(1) },
      { name: "Открытый Подписант", email: signerAddress("open"), at: hoursAgo(2) },
    ]);
    const stats = await campaignStats(appeal.id, appeal.owner.userId);
    expect(stats.recent.map((r) => r.name)).toEqual(["Открытый Подписант", "Скрытая Подписантка"]);
    expect(JSON.stringify(stats)).not.toContain("s1:");
    expect((await publicSigners(appeal.id)).signers.map((s) => s.name)).toEqual(["Открытый Подписант"]);
  });
});

describe("moderation", () => {
  it("hides an abusive name from the public list, keeps it counted, and shows it again on request", async () => {
    const appeal = await publishedAppeal();
    const [abusive, other] = await addSigners(appeal.id, [
      { name: "Оскорбительное Имя", city: "Алматы", country: "KZ", at: hoursAgo(1) },
      { name: "Айгерім Сейітқалиева", city: "Қарағанды", country: "KZ", at: hoursAgo(2) },
    ]);
    const names = async () => (await publicSigners(appeal.id)).signers.map((s) => s.name);
    expect(await names()).toEqual(["Оскорбительное Имя", "Айгерім Сейітқалиева"]);

    await setHidden(appeal.id, appeal.owner.userId, abusive!, true);
    expect(await names()).toEqual(["Айгерім Сейітқалиева"]);
    const stats = await campaignStats(appeal.id, appeal.owner.userId);
    expect(stats.counts.confirmed).toBe(2);
    expect(stats.recent.find((r) => r.id === abusive)).toMatchObject({ hidden: true, status: "confirmed" });
    expect(await exactConfirmed(appeal.id)).toBe(2);

    await setHidden(appeal.id, appeal.owner.userId, abusive!, false);
    expect(await names()).toEqual(["Оскорбительное Имя", "Айгерім Сейітқалиева"]);

    // Another appeal's signature, someone else's appeal: nothing changes.
    const elsewhere = await publishedAppeal();
    expect(await thrown(setHidden(elsewhere.id, elsewhere.owner.userId, other!, true))).toBe("not_found");
    expect(await thrown(setHidden(appeal.id, elsewhere.owner.userId, other!, true))).toBe("forbidden");
    expect(await names()).toEqual(["Оскорбительное Имя", "Айгерім Сейітқалиева"]);

    // Through the dashboard's form.
    const cookie = await sessionCookie(appeal.owner.userId);
    const form = new FormData();
    form.set("_intent", "hide");
    form.set("signatureId", String(abusive));
    const response = await signaturesAction({
      request: new Request(`http://localhost/dashboard/appeals/${appeal.id}/signatures`, { method: "POST", body: form, headers: { Cookie: cookie } }),
      params: { id: String(appeal.id) },
      context: {},
    });
    expect(response.status).toBe(200);
    expect(await names()).toEqual(["Айгерім Сейітқалиева"]);
  });

  it("removes a signature with a recorded reason: uncounted, off the list, its address and links erased", async () => {
    const appeal = await publishedAppeal();
    const email = signerAddress("spam");
    const [spam, kept] = await addSigners(appeal.id, [
      { name: "Спам Спамович", city: "Москва", country: "RU", email, keepInformed: true, ipHash: "abc123", at: hoursAgo(1) },
      { name: "Ғалым Өтегенұлы", city: "Өскемен", country: "KZ", email: signerAddress(), at: hoursAgo(2) },
    ]);
    await getDb()
      .insertInto("signature_tokens")
      .values({ token_hash: Buffer.alloc(32, 7), signature_id: spam!, purpose: "withdraw", expires_at: daysAgo(-30) })
      .execute();
    const cookie = await sessionCookie(appeal.owner.userId);
    const post = (fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      return signaturesAction({
        request: new Request(`http://localhost/dashboard/appeals/${appeal.id}/signatures`, { method: "POST", body: form, headers: { Cookie: cookie } }),
        params: { id: String(appeal.id) },
        context: {},
      });
    };

    // No reason: refused, nothing changes.
    const refused = await post({ _intent: "remove", signatureId: String(spam), reason: "   " });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: Record<string, string> }).errors.reason).toBe("form.required");
    const before = await getDb().selectFrom("signatures").select(["status", "email"]).where("id", "=", spam!).executeTakeFirstOrThrow();
    expect({ ...before, email: open(before.email!, "email") }).toEqual({ status: "confirmed", email });

    const done = await post({ _intent: "remove", signatureId: String(spam), reason: "Спам: вымышленное имя" });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { notice: string }).notice).toBe("removed");

    const row = await getDb().selectFrom("signatures").selectAll().where("id", "=", spam!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: "removed",
      removed_reason: "Спам: вымышленное имя",
      removed_by: appeal.owner.userId,
      email: null,
      email_key: null,
      ip_hash: null,
      keep_informed: false,
      name: "Спам Спамович",
    });
    expect(row.removed_at).not.toBeNull();
    expect(await getDb().selectFrom("signature_tokens").select("signature_id").where("signature_id", "=", spam!).execute()).toEqual([]);
    const deltas = await getDb().selectFrom("count_deltas").select("confirmed").where("appeal_id", "=", appeal.id).execute();
    expect(deltas.map((d) => d.confirmed)).toEqual([-1]);

    const stats = await campaignStats(appeal.id, appeal.owner.userId);
    expect(stats.counts).toEqual({ confirmed: 1, pending: 0, withdrawn: 0, removed: 1 });
    expect(stats.recent.map((r) => r.id)).toEqual([kept]);
    expect((await publicSigners(appeal.id)).signers.map((s) => s.name)).toEqual(["Ғалым Өтегенұлы"]);

    // Removing again changes nothing (and is not counted twice); others may not remove.
    await removeSignature(appeal.id, appeal.owner.userId, spam!, "ещё раз");
    expect((await getDb().selectFrom("signatures").select("removed_reason").where("id", "=", spam!).executeTakeFirstOrThrow()).removed_reason).toBe(
      "Спам: вымышленное имя",
    );
    expect(await getDb().selectFrom("count_deltas").select("confirmed").where("appeal_id", "=", appeal.id).execute()).toHaveLength(1);
    const stranger = await newOrganization();
    expect(await thrown(removeSignature(appeal.id, stranger.userId, kept!, "чужой"))).toBe("forbidden");
    expect(await thrown(removeSignature(appeal.id, appeal.owner.userId, 987654321, "нет такой"))).toBe("not_found");
    expect(await exactConfirmed(appeal.id)).toBe(1);
  });

  it("lists withdrawals after delivery by day, without names", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [
      { name: "Отозвал Первый", status: "withdrawn" },
      { name: "Отозвал Второй", status: "withdrawn" },
      { name: "Остался", status: "confirmed" },
    ]);
    const list = await revocations(appeal.id);
    expect(list).toEqual([{ day: new Date().toISOString().slice(0, 10), n: 2 }]);
    expect(JSON.stringify(list)).not.toContain("Отозвал");
  });
});

afterAll(async () => {
  await getDb().deleteFrom("outbox").execute();
});

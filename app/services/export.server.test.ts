import type { Readable } from "node:stream";
import v8 from "node:v8";
import vm from "node:vm";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { addSigners, daysAgo, fixtureNames, publishedAppeal, signerAddress } from "../../tests/fixtures/campaign";
import { csvObjects, parseCsv } from "../../tests/fixtures/csv";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { getDb } from "../../tests/setup/vitest-db";
import { action as exportAction } from "../routes/dashboard.appeals.$id.export[.]csv";
import { parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { seal } from "./data-key.server";
import { DOWNLOADS_PER_PROCESS, exportCsv, exportSlot, neutralise } from "./export.server";

/**
 * The CSV export as an organizer's spreadsheet meets it: read back byte for byte, with the
 * BOM, Cyrillic and other scripts intact, formulas neutralised, addresses only where asked for.
 */

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, APP_URL: "https://appeals.example" }));
});

const NAMES = fixtureNames();
const HEADER = ["name", "city", "country", "organization", "position", "disclosure", "revision", "confirmed_at", "email", "source"];
const FORMULA_NAME = '=HYPERLINK("http://x","y")';

/** The V8 garbage collector, exposed at run time (vitest's workers do not start with --expose-gc). */
function exposedGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  const gc: unknown = vm.runInNewContext("gc");
  if (typeof gc !== "function") throw new Error("gc not exposed");
  return () => void gc();
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function thrown(promise: Promise<unknown>): Promise<string | number> {
  return promise.then(
    () => "resolved",
    (e: unknown) => (e instanceof Response ? e.status : e instanceof AppError ? e.code : String(e)),
  );
}

async function exportsOf(appealId: number) {
  return getDb().selectFrom("exports").select(["purpose", "user_id"]).where("appeal_id", "=", appealId).orderBy("id").execute();
}

/** Database connections an export holds (its cursor's query is the last thing they ran). */
async function exportConnections(): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%keep_informed THEN email END AS email%'`.execute(getDb());
  return r.rows[0]?.n ?? 0;
}

describe("neutralise", () => {
  it("prefixes cells a spreadsheet would run as a formula, and nothing else", () => {
    for (const v of ["=1+1", "+7 701 000", "-2", "@SUM(A1)", "\tx", "\rx", FORMULA_NAME]) expect(neutralise(v)).toBe(`'${v}`);
    for (const v of ["Айгерім", "O'Brien", "a=b", "1+1", ""]) expect(neutralise(v)).toBe(v);
    expect(neutralise(null)).toBe("");
  });
});

describe("CSV export", () => {
  it("round-trips: BOM, every script intact, formulas neutralised, e-mail only for signers kept informed", async () => {
    const appeal = await publishedAppeal();
    const signers = NAMES.map((n, i) => ({
      name: n.name,
      city: n.city,
      country: n.country,
      email: signerAddress(`s${i}`),
      keepInformed: i % 2 === 0,
      disclosure: i % 3 === 0 ? ("private" as const) : ("public" as const),
      organization: i === 0 ? "Фонд «Наследие», Алматы" : null,
      position: i === 0 ? "директор\nфилиала" : null,
      at: daysAgo(NAMES.length - i),
    }));
    await addSigners(appeal.id, [
      ...signers,
      {
        name: FORMULA_NAME,
        city: "-Минус",
        country: "KZ",
        organization: "@org",
        position: "+должность",
        email: "-1+2@mail.example",
        keepInformed: true,
        at: daysAgo(0.5),
      },
      { name: "Ожидающий", status: "pending", email: signerAddress("pending"), keepInformed: true },
      { name: "Отозвавший", status: "withdrawn", email: signerAddress("withdrawn"), keepInformed: true, at: daysAgo(30) },
      { name: "Удалённый", status: "removed", at: daysAgo(31) },
    ]);

    const { filename, stream } = await exportCsv(appeal.id, appeal.owner.userId, "Передать партнёрам список для встречи");
    expect(filename).toBe(`${appeal.slug}-signatures.csv`);
    const bytes = await readAll(stream);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(3));
    expect(parseCsv(text)[0]).toEqual(HEADER);
    const rows = csvObjects(text);

    // Confirmed signatures only, in confirmation order, every name exactly as stored.
    const cell = (v: string | null) => (v === null ? "" : /^[=+\-@]/.test(v) ? `'${v}` : v);
    expect(rows.map((r) => r.name)).toEqual([...signers.map((s) => cell(s.name)), `'${FORMULA_NAME}`]);
    const db = await getDb()
      .selectFrom("signatures")
      .select(["name", "confirmed_at"])
      .where("appeal_id", "=", appeal.id)
      .where("status", "=", "confirmed")
      .orderBy("confirmed_at")
      .orderBy("id")
      .execute();
    expect(rows.map((r) => r.confirmed_at)).toEqual(db.map((r) => new Date(r.confirmed_at!).toISOString()));
    signers.forEach((s, i) => {
      const row = rows[i]!;
      // Fixture cells starting with = or + are neutralised like any other.
      expect(row.name).toBe(cell(s.name));
      expect(row.city).toBe(cell(s.city));
      expect(row.country).toBe(s.country);
      expect(row.organization).toBe(s.organization ?? "");
      expect(row.position).toBe(s.position ?? "");
      expect(row.disclosure).toBe(s.disclosure);
      expect(row.revision).toBe("1");
      expect(row.email).toBe(s.keepInformed ? s.email : "");
    });
    expect(rows.find((r) => r.name === "Айгерім Сейітқалиева")).toMatchObject({
      city: "Қарағанды",
      organization: "Фонд «Наследие», Алматы",
      position: "директор\nфилиала",
    });
    expect(rows.find((r) => r.name.startsWith("'=SUM"))?.city).toBe("'+Formula");
    expect(rows.some((r) => r.name.includes('O\'Brien <b>&amp;</b> "Quotes"'))).toBe(true);

    // The formula-like signer: no cell starts with a formula character.
    const formula = rows.at(-1)!;
    expect(formula).toMatchObject({ name: `'${FORMULA_NAME}`, city: "'-Минус", organization: "'@org", position: "'+должность", email: "'-1+2@mail.example" });
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);

    // Nobody else's address, and the export with its purpose is recorded.
    expect(text).not.toContain("pending-");
    expect(text).not.toContain("withdrawn-");
    expect(text).not.toContain("Удалённый");
    expect(await exportsOf(appeal.id)).toEqual([{ purpose: "Передать партнёрам список для встречи", user_id: appeal.owner.userId }]);
  });

  it("downloads through the dashboard route as an attachment; no purpose, no rows or no right: a clear answer and nothing exported", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [{ name: "Ғалым Өтегенұлы", city: "Өскемен", country: "KZ" }]);
    const cookie = await sessionCookie(appeal.owner.userId);
    // The form posts the purpose (the query string only spells the form's fields here).
    const load = (id: number, query: string, c: string | null = cookie) =>
      exportAction({
        request: new Request(`http://localhost/dashboard/appeals/${id}/export.csv`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", ...(c ? { Cookie: c } : {}) },
          body: query.replace(/^\?/, ""),
        }),
        params: { id: String(id) },
        context: {},
      });

    const response = await load(appeal.id, `?purpose=${encodeURIComponent("Отчёт для партнёров")}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="${appeal.slug}-signatures.csv"`);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csvObjects(bytes.subarray(3).toString("utf8")).map((r) => r.name)).toEqual(["Ғалым Өтегенұлы"]);

    // No purpose: back to the form with the field's message.
    const noPurpose = await settle(load(appeal.id, "?purpose=%20%20"));
    expect(noPurpose.status).toBe(303);
    expect(noPurpose.headers.get("Location")).toBe(`/dashboard/appeals/${appeal.id}/signatures?exportError=form.required#export-h`);

    // Someone from another organization: 403; an unknown appeal: 404; not signed in: the login page.
    const stranger = await newOrganization();
    expect((await settle(load(appeal.id, "?purpose=x", await sessionCookie(stranger.userId)))).status).toBe(403);
    expect((await settle(load(987654321, "?purpose=x"))).status).toBe(404);
    expect((await settle(load(appeal.id, "?purpose=x", null))).status).toBe(302);
    expect(await exportsOf(appeal.id)).toEqual([{ purpose: "Отчёт для партнёров", user_id: appeal.owner.userId }]);

    // Nothing confirmed yet: the form says so, and no export is recorded.
    const empty = await publishedAppeal();
    await addSigners(empty.id, [{ name: "Ожидающий", status: "pending", email: signerAddress() }]);
    expect(await thrown(exportCsv(empty.id, empty.owner.userId, "проверка"))).toBe("empty");
    const emptyResponse = await settle(load(empty.id, "?purpose=x", await sessionCookie(empty.owner.userId)));
    expect(emptyResponse.status).toBe(303);
    expect(emptyResponse.headers.get("Location")).toBe(`/dashboard/appeals/${empty.id}/signatures?exportError=export.empty#export-h`);
    expect(await exportsOf(empty.id)).toEqual([]);
  });

  it("opens what is sealed at rest: a hidden signer's name and a kept-informed address, never the sealed text", async () => {
    const appeal = await publishedAppeal();
    const address = signerAddress("hidden");
    await addSigners(appeal.id, [
      { name: seal("Скрытый Подписант", "name"), disclosure: "private", email: address, keepInformed: true, at: daysAgo(2) },
      { name: "Открытая Подписантка", email: signerAddress("open"), at: daysAgo(1) },
    ]);
    const stored = await getDb().selectFrom("signatures").select(["name", "email"]).where("appeal_id", "=", appeal.id).orderBy("id").executeTakeFirstOrThrow();
    expect(`${stored.name} ${stored.email}`).not.toMatch(/Скрытый|@/);
    const text = (await readAll((await exportCsv(appeal.id, appeal.owner.userId, "проверка")).stream)).subarray(3).toString("utf8");
    expect(csvObjects(text).map((r) => [r.name, r.disclosure, r.email])).toEqual([
      ["Скрытый Подписант", "private", address],
      ["Открытая Подписантка", "public", ""],
    ]);
    expect(text).not.toContain("s1:");
  });

  it("streams 200,000 rows from a cursor: bounded buffering when the reader is slow, bounded memory, connection closed", async () => {
    const appeal = await publishedAppeal();
    const N = 200_000;
    await sql`
      INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, disclosure, keep_informed, email, email_key, confirmed_at, created_at)
      SELECT ${appeal.id}, 1, 'ru', 'confirmed',
             (ARRAY['Айгерім','Zofia','Νίκος','Jürgen','Ғалым'])[1 + i % 5] || ' ' || (ARRAY['Сейітқалиева','Łukasiewicz','Παπαδόπουλος','Weiß','Өтегенұлы'])[1 + (i / 5) % 5] || ' ' || i,
             (ARRAY['Алматы','Łódź','Θεσσαλονίκη'])[1 + i % 3], (ARRAY['KZ','PL','GR'])[1 + i % 3], 'public', i % 2 = 0,
             'bulk-' || i || '@mail.example', 'bulk-' || i || '@mail.example',
             timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second', now()
      FROM generate_series(1, ${N}) AS i`.execute(getDb());
    expect(await exportConnections()).toBe(0);

    const { stream } = await exportCsv(appeal.id, appeal.owner.userId, "нагрузочная проверка");
    // A reader that does not read yet: the export waits instead of buffering the whole file.
    await new Promise((r) => setTimeout(r, 800));
    expect(stream.readableLength).toBeLessThan(256 * 1024);
    expect(await exportConnections()).toBe(1);

    // Live memory is what matters: collect garbage before each sample.
    const gc = exposedGc();
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let sampled = 0;
    let bytes = 0;
    let lines = 0;
    let tail = "";
    for await (const chunk of stream) {
      const buf = Buffer.from(chunk as Uint8Array);
      bytes += buf.length;
      for (const b of buf) if (b === 0x0a) lines++;
      tail = buf.subarray(Math.max(0, buf.length - 200)).toString("utf8");
      if (bytes - sampled > 2 * 1024 * 1024) {
        sampled = bytes;
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    expect(lines).toBe(N + 1);
    expect(tail).toMatch(new RegExp(`Айгерім Сейітқалиева ${N},Θεσσαλονίκη,GR,,,public,1,2025-01-03T07:33:20.000Z,bulk-${N}@mail.example,web\\r?\\n$`));
    // About 20 MB of CSV went through while live memory grew by a small fraction of that.
    expect(bytes).toBeGreaterThan(15 * 1024 * 1024);
    expect(peak - before).toBeLessThan(bytes / 4);
    await expect.poll(exportConnections, { timeout: 5_000 }).toBe(0);
  }, 120_000);

  it("stops reading and closes its connection when the download is abandoned", async () => {
    const appeal = await publishedAppeal();
    await sql`
      INSERT INTO signatures (appeal_id, revision, lang, status, name, disclosure, confirmed_at)
      SELECT ${appeal.id}, 1, 'ru', 'confirmed', 'Подписант ' || i, 'public', now() FROM generate_series(1, 20000) AS i`.execute(getDb());
    const { stream } = await exportCsv(appeal.id, appeal.owner.userId, "прерванная выгрузка");
    for await (const _chunk of stream) break; // the browser went away after the first chunk
    expect(stream.destroyed).toBe(true);
    await expect.poll(exportConnections, { timeout: 5_000 }).toBe(0);
  });

  it("runs at most two downloads per organizer at once: a third is answered with a message, and a slot comes back when a download ends", async () => {
    const appeal = await publishedAppeal();
    await addSigners(appeal.id, [{ name: "Ғалым Өтегенұлы", city: "Өскемен", country: "KZ" }]);
    const first = await exportCsv(appeal.id, appeal.owner.userId, "первая");
    const second = await exportCsv(appeal.id, appeal.owner.userId, "вторая");
    const third = await settle(
      exportAction({
        request: new Request(`http://localhost/dashboard/appeals/${appeal.id}/export.csv`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: await sessionCookie(appeal.owner.userId) },
          body: "purpose=third",
        }),
        params: { id: String(appeal.id) },
        context: {},
      }),
    );
    expect(third.status).toBe(303);
    expect(third.headers.get("Location")).toBe(`/dashboard/appeals/${appeal.id}/signatures?exportError=export.busy#export-h`);
    // Another organizer is not held up by this one.
    const other = await publishedAppeal();
    await addSigners(other.id, [{ name: "Zofia" }]);
    await readAll((await exportCsv(other.id, other.owner.userId, "другой")).stream);
    // One download read to its end, one abandoned: both slots come back.
    await readAll(first.stream);
    second.stream.destroy();
    await expect.poll(exportConnections, { timeout: 5_000 }).toBe(0);
    await readAll((await exportCsv(appeal.id, appeal.owner.userId, "снова")).stream);
    await readAll((await exportCsv(appeal.id, appeal.owner.userId, "и снова")).stream);
    expect((await exportsOf(appeal.id)).map((e) => e.purpose).sort()).toEqual(["вторая", "и снова", "первая", "снова"]);
  });

  it("runs at most DOWNLOADS_PER_PROCESS downloads of all organizers at once: the next is told the server is busy", () => {
    const releases = Array.from({ length: DOWNLOADS_PER_PROCESS }, (_, i) => exportSlot(10_000 + i));
    try {
      expect(() => exportSlot(20_000)).toThrow(new AppError("busy", "export.serverBusy"));
      releases[0]!();
      releases[0]!(); // a second release gives nothing back twice
      const next = exportSlot(20_000);
      expect(() => exportSlot(20_001)).toThrow(new AppError("busy", "export.serverBusy"));
      next();
    } finally {
      for (const release of releases) release();
    }
  });
});

async function settle(promise: Promise<Response>): Promise<Response> {
  return promise.catch((e: unknown) => {
    if (e instanceof Response) return e;
    throw e;
  });
}

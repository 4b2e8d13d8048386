import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { exportCsv } from "../../app/services/export.server";
import { letterDownloadSignature, requestLetters } from "../../app/services/letters.server";
import { publishUpdate } from "../../app/services/updates.server";
import { closeDb, createDb, databaseUrl, getDb, setDatabaseUrl } from "../../db/client";
import { freePort } from "../../db/embedded";
import { migrateToLatest } from "../../db/migrate";
import { publishedAppeal as campaignAppeal } from "../fixtures/campaign";
import { csvObjects } from "../fixtures/csv";
import { signForm, startHarness, tokenIn, unique, type Harness } from "./support/harness";

const run = promisify(execFile);
const PG_BIN = "/usr/lib/postgresql/15/bin";
const PG_DUMP = `${PG_BIN}/pg_dump`;

/**
 * pg_dump refuses a server newer than itself, and the tests' embedded PostgreSQL is newer than
 * Debian's pg_dump (15): this file's campaign runs against a throwaway PostgreSQL 15 cluster of
 * Debian's own binaries (as the `postgres` user when run as root), on 127.0.0.1 and a free port,
 * so that the dump is pg_dump's. Null when those binaries are not installed.
 */
async function startPostgres15(): Promise<{ url: string; stop: () => Promise<void> } | null> {
  if (!existsSync(`${PG_BIN}/postgres`) || !existsSync(PG_DUMP)) return null;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "at-rest-pg15-"));
  const asRoot = process.getuid?.() === 0;
  const command = (bin: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", `${PG_BIN}/${bin}`, ...args]] : [`${PG_BIN}/${bin}`, args];
  if (asRoot) await run("chown", ["postgres", dir]);
  const data = path.join(dir, "data");
  await run(...command("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]));
  const port = await freePort();
  const [bin, args] = command("postgres", ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
  const server = spawn(bin, args, { stdio: "ignore" });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await run(`${PG_BIN}/pg_isready`, ["-h", "127.0.0.1", "-p", String(port)]);
      break;
    } catch {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error("PostgreSQL 15 did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once("exit", r));
        // pg_ctl, not a signal to runuser (which does not pass it on).
        await run(...command("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w", "-t", "30"]));
        await exited;
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Signatures at rest (issue 14): a whole campaign through the app — signers in Russian, English and
 * Kazakh, public, initials and hidden ("do not show me publicly"), confirmed, one withdrawn, an
 * update to those kept informed, a letter, an export, a my-data request, a receipt by e-mail — and
 * then a dump of the whole database (schema and data) holds none of the signers' addresses, in
 * any case, and none of the hidden signers' names, while every reader still showed them where it
 * must (the letter, the export, the mails). It does hold a public signer's name: the dump is real.
 * One mail is left waiting in the outbox (an update, its address copied from the signature): it is
 * in the dump too.
 */
describe("signatures at rest: a database dump after a whole campaign", () => {
  let h: Harness;
  let appeal: { owner: { organizationId: number; userId: number; email: string }; id: number; slug: string };
  let second: { id: number; slug: string; ownerId: number };
  let pg15: Awaited<ReturnType<typeof startPostgres15>> = null;

  beforeAll(async () => {
    pg15 = await startPostgres15();
    if (pg15) {
      // This file's database, the app's and this process's, is on PostgreSQL 15 (see startPostgres15).
      const migrated = createDb(pg15.url);
      await migrateToLatest(migrated.db);
      await migrated.db.destroy();
      await closeDb();
      setDatabaseUrl(pg15.url);
      process.env.DATABASE_URL = pg15.url;
    }
    h = await startHarness();
    appeal = await campaignAppeal({ organization: unique("At rest coalition") });
    // A second appeal of the same organization: its update stays in the outbox at the end.
    const other = await campaignAppeal({ organization: unique("At rest coalition two") });
    second = { id: other.id, slug: other.slug, ownerId: other.owner.userId };
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    if (pg15) {
      await closeDb();
      await pg15.stop();
    }
  });

  const tag = unique("rest").replace(/-/g, "");
  const signers = [
    { key: "publicRu", lang: "ru", name: "Публичный Подписантов", disclosure: "public", email: `Public.RU.${tag}@Mail.Example`, keep: true },
    { key: "initialsEn", lang: "en", name: "Initials Signer Brown", disclosure: "initials", email: `initials.${tag}@mail.example`, keep: false },
    { key: "hiddenKk", lang: "kk", name: "Құпия Қолтаңбалы Айгерім", disclosure: "private", email: `Hidden.KK.${tag}@Mail.Example`, keep: true },
    { key: "hiddenEn", lang: "en", name: "Zofia Hiddenowska", disclosure: "private", email: `hidden.en.${tag}@mail.example`, keep: false },
    { key: "withdrawn", lang: "ru", name: "Отозванная Скрытова", disclosure: "private", email: `withdrawn.${tag}@mail.example`, keep: true },
    { key: "pending", lang: "kk", name: "Күтуші Жасырынов", disclosure: "private", email: `pending.${tag}@mail.example`, keep: false },
  ] as const;
  type Key = (typeof signers)[number]["key"];
  const hiddenNames = signers.filter((s) => s.disclosure === "private").map((s) => s.name);
  const of = (key: Key) => signers.find((s) => s.key === key)!;

  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${url}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body, redirect: "manual" });

  /** The first mail to `address` received from now on (by index `since`) that `match`es. */
  const mailTo = (since: number, address: string, match: (text: string) => boolean) =>
    h.sink.waitFor((m) => h.sink.messages.indexOf(m) >= since && m.to.some((t) => t.toLowerCase() === address.toLowerCase()) && match(m.text), 30_000);

  async function signThroughApp(slug: string, s: (typeof signers)[number]) {
    const since = h.sink.messages.length;
    const signed = await post(
      `/appeals/${slug}?lang=${s.lang}`,
      signForm({ name: s.name, email: s.email, keepInformed: s.keep, extra: { disclosure: s.disclosure, city: "Алматы", country: "KZ" } }),
      { "Accept-Language": s.lang },
    );
    expect(signed.status).toBe(303);
    return mailTo(since, s.email, (text) => text.includes("/s/confirm/"));
  }

  async function outboxDrained() {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const left = await getDb().selectFrom("outbox").select("id").where("status", "=", "pending").execute();
      if (!left.length) return;
      if (Date.now() > deadline) throw new Error(`${left.length} mails still pending`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The whole database as pg_dump writes it (plain SQL, schema and data). */
  async function dump(): Promise<string> {
    try {
      const { stdout } = await run(PG_DUMP, ["--no-owner", "--format=plain", databaseUrl()], { maxBuffer: 256 * 1024 * 1024, encoding: "utf8" });
      return stdout;
    } catch (error) {
      // PostgreSQL 15's pg_dump refuses a newer server (the tests' embedded one): dump the same
      // content through SQL instead — every row of every table as text, and the schema's
      // definitions (functions, triggers, constraints, defaults, views, comments).
      if (!String(error).includes("server version mismatch")) throw error;
      const db = getDb();
      const parts: string[] = [];
      const tables = await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`.execute(db);
      for (const { name } of tables.rows) {
        const rows = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(name)} t`.execute(db);
        parts.push(`-- ${name}`, ...rows.rows.map((r) => r.row));
      }
      const schema = await sql<{ def: string }>`
        SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.prokind = 'f'
        UNION ALL SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal
        UNION ALL SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
        UNION ALL SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
        UNION ALL SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
        UNION ALL SELECT pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')
        UNION ALL SELECT description FROM pg_description`.execute(db);
      parts.push(...schema.rows.map((r) => r.def ?? ""));
      return parts.join("\n");
    }
  }

  it("holds no address and no hidden name, while the letter, the export, the mails and the receipt show them", async () => {
    // Sign in three languages; confirm all but one.
    const links = new Map<Key, { confirm: string; withdraw: string }>();
    for (const s of signers) {
      const mail = await signThroughApp(appeal.slug, s);
      links.set(s.key, { confirm: tokenIn(mail.text, "confirm"), withdraw: tokenIn(mail.text, "withdraw") });
    }
    let thanksCookie = "";
    for (const s of signers) {
      if (s.key === "pending") continue;
      const confirmed = await post(`/s/confirm/${links.get(s.key)!.confirm}`, "");
      expect(confirmed.status).toBe(303);
      if (s.key === "hiddenKk") thanksCookie = (confirmed.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    }
    // Signing again with the same address however spelt: found by its keyed hash, no second row.
    let since = h.sink.messages.length;
    const again = await post(
      `/appeals/${appeal.slug}?lang=kk`,
      signForm({
        name: of("hiddenKk").name,
        email: `  ${of("hiddenKk").email.toUpperCase()} `,
        extra: { disclosure: "private", city: "Алматы", country: "KZ" },
      }),
    );
    expect(again.status).toBe(303);
    await mailTo(since, of("hiddenKk").email, (text) => text.includes("/s/withdraw/") && !text.includes("/s/confirm/"));
    expect(await getDb().selectFrom("signatures").select("id").where("appeal_id", "=", appeal.id).execute()).toHaveLength(signers.length);

    // The hidden Kazakh signer takes a receipt and asks for it by e-mail too.
    since = h.sink.messages.length;
    const receipt = await post(`/appeals/${appeal.slug}/thanks`, new URLSearchParams({ _intent: "receipt", email: "on" }).toString(), { Cookie: thanksCookie });
    expect(receipt.status).toBe(200);
    await mailTo(since, of("hiddenKk").email, (text) => text.includes("/verify"));

    // One withdraws.
    const withdrawn = await post(`/s/withdraw/${links.get("withdrawn")!.withdraw}`, "");
    expect(withdrawn.status).toBeLessThan(400);
    expect(await getDb().selectFrom("signatures").select("id").where("appeal_id", "=", appeal.id).execute()).toHaveLength(signers.length - 1);

    // An update reaches those kept informed (its address copied, sealed, from the signature, opened by the worker).
    since = h.sink.messages.length;
    const sent = await publishUpdate(appeal.id, appeal.owner.userId, { kind: "update", content: { ru: { title: "Новости", body: "Письмо отправлено." } } });
    expect(sent).toBe(2);
    for (const key of ["publicRu", "hiddenKk"] as const) await mailTo(since, of(key).email, (text) => text.includes("/s/unsubscribe/"));

    // My data: asked for by the hidden English signer, in another spelling; the answer names them.
    since = h.sink.messages.length;
    const myData = await post("/my-data", new URLSearchParams({ email: of("hiddenEn").email.toUpperCase() }).toString(), { "Accept-Language": "en" });
    expect(myData.status).toBeLessThan(400);
    await mailTo(since, of("hiddenEn").email, (text) => text.includes(of("hiddenEn").name));

    // A letter, made by the app's job (a worker thread): every confirmed name in it, hidden ones included.
    const [letterId] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    const deadline = Date.now() + 90_000;
    let code = "";
    for (;;) {
      const row = await getDb().selectFrom("letters").select(["status", "code", "error"]).where("id", "=", letterId!).executeTakeFirstOrThrow();
      if (row.status === "ready") {
        code = row.code;
        break;
      }
      if (row.status === "failed" || Date.now() > deadline) throw new Error(`the letter is ${row.status}: ${row.error ?? ""}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const pdf = await fetch(`${h.url}/letters/${code}.pdf?sig=${letterDownloadSignature(code)}`);
    expect(pdf.status).toBe(200);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "at-rest-"));
    try {
      const file = path.join(dir, "letter.pdf");
      await fs.writeFile(file, Buffer.from(await pdf.arrayBuffer()));
      const { stdout: text } = await run("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      const flat = text.replace(/\s+/g, " ");
      for (const key of ["publicRu", "hiddenKk", "hiddenEn"] as const) expect(flat).toContain(of(key).name);
      expect(flat).not.toContain(of("withdrawn").name);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }

    // The export: hidden names and kept-informed addresses, opened.
    const { stream } = await exportCsv(appeal.id, appeal.owner.userId, "Встреча с адресатом");
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
    const rows = csvObjects(Buffer.concat(chunks).subarray(3).toString("utf8"));
    expect(rows.map((r) => [r.name, r.email])).toEqual(
      expect.arrayContaining([
        [of("publicRu").name, of("publicRu").email.toLowerCase()],
        [of("hiddenKk").name, of("hiddenKk").email.toLowerCase()],
        [of("hiddenEn").name, ""],
      ]),
    );

    // Everything sent (sent mails keep no address, no body); then one mail left waiting: an
    // update of the second appeal, to the hidden Kazakh signer who signed it too, queued while
    // the app is stopped.
    const mail = await signThroughApp(second.slug, of("hiddenKk"));
    expect((await post(`/s/confirm/${tokenIn(mail.text, "confirm")}`, "")).status).toBe(303);
    await outboxDrained();
    await h.app.stop();
    expect(await publishUpdate(second.id, second.ownerId, { kind: "update", content: { ru: { title: "Ждёт", body: "Это письмо ещё в очереди." } } })).toBe(1);
    expect(await getDb().selectFrom("outbox").select("id").where("status", "=", "pending").execute()).toHaveLength(1);

    const bytes = await dump();
    if (pg15) expect(bytes).toContain("PostgreSQL database dump");
    const lower = bytes.toLowerCase();
    // Not vacuous: the dump holds the signatures (a public name, a city) and the appeals.
    expect(bytes).toContain(of("publicRu").name);
    expect(bytes).toContain(appeal.slug);
    for (const s of signers) {
      expect(lower, `the address ${s.email}`).not.toContain(s.email.toLowerCase());
      expect(lower, `the local part of ${s.email}`).not.toContain(s.email.split("@")[0]!.toLowerCase());
    }
    for (const name of hiddenNames) expect(bytes, name).not.toContain(name);
    // Nor their names' words (a name cut in two or in another column would show).
    for (const name of hiddenNames) for (const word of name.split(" ")) expect(bytes, word).not.toContain(word);
  }, 300_000);
});

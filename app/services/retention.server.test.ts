import { execFile, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { enqueueMail } from "../../db/queries/outbox";
import { databaseUrl } from "../../db/client";
import { addSigners, daysAgo, fixtureNames, publishedAppeal, signerAddress, type Signer } from "../../tests/fixtures/campaign";
import { getDb } from "../../tests/setup/vitest-db";
import { parseEnv, setEnv } from "../utils/env.server";
import { applyRetention } from "./retention.server";
import { generateNow } from "./letter-pipeline.server";
import { requestLetters, verification } from "./letters.server";
import { requestMyData } from "./my-data.server";
import * as signing from "./signing.server";
import { removeSignature } from "./campaign.server";
import { signSchema } from "../schemas/sign";
import { formStamp, resetLimits } from "./abuse.server";
import { pathOf } from "./storage.server";
import { mailsTo, openedOutbox } from "../../tests/fixtures/outbox";
import { emailLookup } from "./data-key.server";

/**
 * Retention: RETENTION_DAYS after an appeal is delivered or closed, its signers' addresses and
 * hashed IPs go; what the delivered letter showed stays, so the letter still verifies. Checked
 * against a full snapshot of the tables before and after, for due and not-yet-due appeals.
 */

// Before anything reads the configuration: generated letters go to a throwaway DATA_DIR.
const { dataDir } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/appeals-retention-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return { dataDir: dir };
});

const run = promisify(execFile);
const NAMES = fixtureNames();
const sha256 = (data: Uint8Array) => crypto.createHash("sha256").update(data).digest("hex");

function configure(overrides: Record<string, string> = {}) {
  setEnv(parseEnv({ ...process.env, APP_URL: "https://appeals.example", DATA_DIR: dataDir, RETENTION_DAYS: "90", ...overrides }));
}

beforeAll(() => configure());
afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

type Appeal = Awaited<ReturnType<typeof publishedAppeal>>;

/** Signers of every kind, with addresses, IP hashes, links and sent e-mails. */
async function sign(appeal: Appeal, names: typeof NAMES, prefix: string) {
  const signers: Signer[] = [
    ...names.map((n, i) => ({
      name: n.name,
      city: n.city,
      country: n.country,
      email: signerAddress(`${prefix}${i}`),
      keepInformed: i % 2 === 0,
      ipHash: crypto.randomBytes(16).toString("hex"),
      disclosure: i % 3 === 0 ? ("initials" as const) : ("public" as const),
      organization: i === 0 ? "Фонд «Наследие»" : null,
      at: daysAgo(200 - i),
    })),
    { name: "Скрытое Оскорбление", email: signerAddress(`${prefix}-hidden`), ipHash: "ffee", hidden: true, at: daysAgo(150) },
    { name: "Ожидающий Подтверждения", status: "pending", email: signerAddress(`${prefix}-pending`), ipHash: "aabb" },
    { name: "Отозвавший Подпись", status: "withdrawn", email: signerAddress(`${prefix}-withdrawn`), at: daysAgo(190) },
    { name: "Удалённый Модератором", status: "removed", at: daysAgo(180) },
  ];
  const ids = await addSigners(appeal.id, signers);
  // The links each signer received, and the mails themselves (sent, as the worker leaves them).
  await getDb()
    .insertInto("signature_tokens")
    .values(
      ids.flatMap((id) =>
        (["confirm", "reject", "withdraw", "unsubscribe"] as const).map((purpose) => ({
          token_hash: crypto.randomBytes(32),
          signature_id: id,
          purpose,
          expires_at: daysAgo(-300),
        })),
      ),
    )
    .execute();
  for (const s of signers) {
    if (!s.email) continue;
    const id = await enqueueMail(getDb(), { kind: "confirm", to: s.email, subject: "Подтвердите подпись", html: "<p>…</p>", text: "…" });
    await getDb()
      .updateTable("outbox")
      .set({ status: "sent", sent_at: daysAgo(199) })
      .where("id", "=", id)
      .execute();
  }
  // One mail still waiting: retention leaves the queue alone.
  await enqueueMail(getDb(), { kind: "update", to: signers[0]!.email!, subject: "Новости", html: "<p>…</p>", text: "…" });
  return signers;
}

async function setStatus(appeal: Appeal, status: "closed" | "delivered", ago: Date) {
  await getDb()
    .updateTable("appeals")
    .set({ status, closed_at: ago, delivered_at: status === "delivered" ? ago : null })
    .where("id", "=", appeal.id)
    .execute();
}

/** Everything stored about an appeal's signers: rows, links, mails to their addresses. */
async function snapshot(appeal: Appeal) {
  const signatures = await getDb().selectFrom("signatures").selectAll().where("appeal_id", "=", appeal.id).orderBy("id").execute();
  const tokens = await getDb()
    .selectFrom("signature_tokens as t")
    .innerJoin("signatures as s", "s.id", "t.signature_id")
    .select(["t.signature_id", "t.purpose"])
    .where("s.appeal_id", "=", appeal.id)
    .orderBy("t.signature_id")
    .orderBy("t.purpose")
    .execute();
  const row = await getDb().selectFrom("appeals").select("retention_done_at").where("id", "=", appeal.id).executeTakeFirstOrThrow();
  return { signatures, tokens, retentionDone: row.retention_done_at };
}

/** Every outbox row, every column as text (what a dump of the table shows). */
async function outboxDump() {
  return (await sql<{ row: string }>`select o::text as row from outbox o order by id`.execute(getDb())).rows.map((r) => r.row).join("\n");
}

/** What retention must report for an appeal, counted independently. */
function expectedCounts(s: Awaited<ReturnType<typeof snapshot>>) {
  return {
    emails: s.signatures.filter((r) => r.email !== null && r.status !== "pending").length,
    ipHashes: s.signatures.filter((r) => r.ip_hash !== null).length,
    pending: s.signatures.filter((r) => r.status === "pending").length,
  };
}

function pdfText(file: string) {
  return execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"], { encoding: "utf8" });
}

async function generate(appeal: Appeal) {
  const [id] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
  if (id === undefined) throw new Error("no letter requested");
  return generateNow(id);
}

describe("retention", () => {
  it("erases addresses and IP hashes of appeals delivered or closed RETENTION_DAYS ago, and nothing else; the delivered letter still verifies", async () => {
    const delivered = await publishedAppeal(); // delivered 100 days ago: due
    const closed = await publishedAppeal(); // closed 91 days ago: due
    const recent = await publishedAppeal(); // delivered 10 days ago: not yet
    const open = await publishedAppeal(); // still collecting signatures
    await sign(delivered, NAMES.slice(0, 8), "d");
    await sign(closed, NAMES.slice(8, 12), "c");
    await sign(recent, NAMES.slice(12, 15), "r");
    const openSigners = await sign(open, NAMES.slice(15), "o");

    // The letter as it was delivered: every confirmed name (a hidden one too), no address.
    const letter = await generate(delivered);
    const file = pathOf(letter.storageKey);
    const text = pdfText(file);
    for (const n of NAMES.slice(0, 8))
      if (!/^[=+]/.test(n.name) && !/\p{Script=Arabic}|\p{Script=Han}|\p{Script=Georgian}|\p{Script=Armenian}/u.test(n.name))
        expect(text.replace(/\s+/g, " ")).toContain(n.name);
    expect(text).toContain("Скрытое Оскорбление");
    expect(text).not.toContain("Отозвавший Подпись");
    expect(text).not.toContain("@");
    const verifiedBefore = await verification(letter.code);
    expect(verifiedBefore).toMatchObject({ digest: letter.digest, fileSha256: sha256(await fs.readFile(file)), count: 9 });

    await setStatus(delivered, "delivered", daysAgo(100));
    await setStatus(closed, "closed", daysAgo(91));
    await setStatus(recent, "delivered", daysAgo(10));
    const appeals = { delivered, closed, recent, open };
    const before = Object.fromEntries(await Promise.all(Object.entries(appeals).map(async ([k, a]) => [k, await snapshot(a)] as const)));

    // Dry run: says what it would remove, removes nothing.
    const dry = await applyRetention({ dryRun: true });
    const expected = [
      { id: delivered.id, slug: delivered.slug, ...expectedCounts(before.delivered!) },
      { id: closed.id, slug: closed.slug, ...expectedCounts(before.closed!) },
    ];
    expect(expected[0]).toMatchObject({ emails: 10, ipHashes: 10, pending: 1 });
    expect(expected[1]).toMatchObject({ emails: 6, ipHashes: 6, pending: 1 });
    expect(dry.appeals.sort((a, b) => a.id - b.id)).toEqual(expected.sort((a, b) => a.id - b.id));
    // The outbox by each row's own age: every mail sent 199 days ago (to the signers of all four
    // appeals, due or not), none of the four still queued.
    const sentLongAgo = (await getDb().selectFrom("outbox").select("id").where("status", "=", "sent").execute()).length;
    expect(sentLongAgo).toBe([8, 4, 3, NAMES.slice(15).length].reduce((sum, names) => sum + names + 3, 0));
    expect({ emails: dry.emails, ipHashes: dry.ipHashes, pending: dry.pending, mails: dry.mails }).toEqual({
      emails: 16,
      ipHashes: 16,
      pending: 2,
      mails: sentLongAgo,
    });
    const dumpBefore = await outboxDump();
    for (const [k, a] of Object.entries(appeals)) expect(await snapshot(a)).toEqual(before[k]);
    expect(await outboxDump()).toBe(dumpBefore);

    // The real run reports the same and does it.
    const done = await applyRetention({ dryRun: false });
    expect(done).toEqual(dry);

    for (const key of ["delivered", "closed"] as const) {
      const after = await snapshot(appeals[key]);
      const was = before[key]!;
      expect(after.retentionDone).not.toBeNull();
      // Unconfirmed signatures are gone; every other row keeps everything but the address, its key, the IP hash and the opt-in.
      const kept = was.signatures.filter((s) => s.status !== "pending");
      expect(after.signatures).toEqual(kept.map((s) => ({ ...s, email: null, email_key: null, ip_hash: null, keep_informed: false })));
      // Links that needed the address are gone; the withdraw link still works after delivery (revocation list).
      expect(after.tokens).toEqual(was.tokens.filter((t) => t.purpose === "withdraw" && kept.some((s) => s.id === t.signature_id)));
    }
    // No copy of a sent mail is left, whoever it went to; the mails still queued stay.
    const left = await getDb().selectFrom("outbox").select(["to_address", "status", "kind"]).orderBy("id").execute();
    expect(left.map((m) => [m.status, m.kind])).toEqual([1, 2, 3, 4].map(() => ["pending", "update"]));
    // Appeals not yet due: untouched.
    expect(await snapshot(recent)).toEqual(before.recent);
    expect(await snapshot(open)).toEqual(before.open);

    // The delivered letter: same snapshot facts, same file; a letter made now has the same digest.
    expect(await verification(letter.code)).toEqual(verifiedBefore);
    expect(sha256(await fs.readFile(file))).toBe(letter.fileSha256);
    const again = await generate(delivered);
    expect(again.count).toBe(letter.count);
    expect(again.digest).toBe(letter.digest);
    expect(pdfText(pathOf(again.storageKey)).replace(/Код проверки [0-9A-Z-]+/g, "")).toContain("Скрытое Оскорбление");

    // A second run finds nothing; "your data" has nothing to send for an erased address, and still works for others.
    expect(await applyRetention({ dryRun: false })).toEqual({ appeals: [], emails: 0, ipHashes: 0, pending: 0, mails: 0 });
    await getDb().deleteFrom("outbox").where("status", "=", "pending").execute();
    await resetLimits();
    const erased = before.delivered!.signatures.find((s) => s.status === "confirmed")!.email!;
    await requestMyData(erased, "ru");
    await requestMyData(openSigners[0]!.email!, "kk");
    const answers = (await openedOutbox()).filter((m) => m.kind === "my_data");
    expect(answers.map((a) => a.to_address)).toEqual([openSigners[0]!.email]);
    expect(answers[0]!.subject).toBe("«Үндеулер» сіз туралы қандай деректер сақтайды");
    expect(answers[0]!.text).toContain(openSigners[0]!.name);

    // A shorter period (RETENTION_DAYS=5) makes the recently delivered appeal due too.
    configure({ RETENTION_DAYS: "5" });
    try {
      const short = await applyRetention({ dryRun: true });
      expect(short.appeals.map((a) => a.id)).toEqual([recent.id]);
      expect(await applyRetention({ dryRun: true, days: 11 })).toEqual({ appeals: [], emails: 0, ipHashes: 0, pending: 0, mails: 0 });
    } finally {
      configure();
    }
    expect(await snapshot(recent)).toEqual(before.recent);
  }, 120_000);

  it("covers every outbox row by its own age: mails to signers who said 'it wasn't me', withdrew, never confirmed or were removed go too", async () => {
    await getDb().deleteFrom("outbox").execute();
    const appeal = await publishedAppeal();
    const fields = { city: "optional", country: "optional", organization: "optional", position: "optional" } as const;
    const ctx = { lang: "ru" as const, ip: "198.51.100.7" };
    /** Signs through the service and reads the links from the e-mail it queued, as the signer would. */
    const signAndRead = async (prefix: string) => {
      const email = signerAddress(prefix);
      await signing.sign(
        appeal.slug,
        signSchema(fields).parse({ name: "Айгерім Сейітқалиева", email, disclosure: "public", consent: "on", stamp: formStamp(Date.now() - 10_000) }),
        ctx,
      );
      const mail = (await mailsTo(email)).pop()!;
      const link = (kind: string) => new RegExp(`/s/${kind}/([A-Za-z0-9_-]{43})`).exec(mail.text)?.[1] ?? "";
      return { email, outboxId: mail.id, confirm: link("confirm"), reject: link("reject"), withdraw: link("withdraw") };
    };
    const rejected = await signAndRead("wasnt-me");
    expect((await signing.rejectSignature(rejected.reject)).state).toBe("valid");
    const withdrawn = await signAndRead("withdrew");
    await signing.confirmSignature(withdrawn.confirm);
    expect((await signing.withdrawSignature(withdrawn.withdraw)).state).toBe("valid");
    const unconfirmed = await signAndRead("never-confirmed");
    await getDb()
      .updateTable("signature_tokens")
      .set({ expires_at: daysAgo(1) })
      .where("signature_id", "in", (eb) => eb.selectFrom("signatures").select("id").where("email_key", "=", emailLookup(unconfirmed.email)))
      .execute();
    expect(await signing.purgeUnconfirmed()).toBeGreaterThanOrEqual(1);
    const removed = await signAndRead("removed");
    await signing.confirmSignature(removed.confirm);
    const removedId = (await getDb().selectFrom("signatures").select("id").where("email_key", "=", emailLookup(removed.email)).executeTakeFirstOrThrow()).id;
    await removeSignature(appeal.id, appeal.owner.userId, removedId, "spam");
    const cases = [rejected, withdrawn, unconfirmed, removed];
    // None of them is among the signatures any more.
    expect(
      await getDb()
        .selectFrom("signatures")
        .select("id")
        .where(
          "email_key",
          "in",
          cases.map((c) => emailLookup(c.email)),
        )
        .execute(),
    ).toEqual([]);

    // Their mails, as a worker before issue 11 left them: sent 100 days ago, address and links
    // kept. Another one sent 10 days ago, not yet due; one still queued.
    await getDb()
      .updateTable("outbox")
      .set({ status: "sent", sent_at: daysAgo(100) })
      .where(
        "id",
        "in",
        cases.map((c) => c.outboxId),
      )
      .execute();
    const recentId = await enqueueMail(getDb(), {
      kind: "update",
      to: rejected.email,
      subject: "Новости",
      html: `<p>${rejected.withdraw}</p>`,
      text: rejected.withdraw,
    });
    await getDb()
      .updateTable("outbox")
      .set({ status: "sent", sent_at: daysAgo(10) })
      .where("id", "=", recentId)
      .execute();
    const queuedId = await enqueueMail(getDb(), { kind: "update", to: signerAddress("queued"), subject: "Новости", html: "<p>…</p>", text: "…" });
    await setStatus(appeal, "closed", daysAgo(100));

    const dry = await applyRetention({ dryRun: true });
    expect(dry.mails).toBe(4);
    const report = await applyRetention({ dryRun: false });
    expect(report.mails).toBe(4);
    const rows = await getDb().selectFrom("outbox").selectAll().orderBy("id").execute();
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      [recentId, "sent"],
      [queuedId, "pending"],
    ]);
    // The recent one stays as a record of delivery, without address or link.
    expect(rows[0]).toMatchObject({ to_address: "", subject: "", html: "", text: "" });
    const dump = await outboxDump();
    for (const c of cases) for (const secret of [c.email, c.confirm, c.reject, c.withdraw]) expect(dump).not.toContain(secret);
    await getDb().deleteFrom("outbox").execute();
  }, 60_000);

  it("the command line prints what a dry run would remove, and changes nothing", async () => {
    const appeal = await publishedAppeal();
    await sign(appeal, NAMES.slice(0, 3), "cli");
    await setStatus(appeal, "closed", daysAgo(40));
    const before = await snapshot(appeal);
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl(), DATA_DIR: dataDir, NODE_ENV: "test" };
    const { stdout } = await run("npx", ["tsx", "scripts/retention.ts", "--dry-run", "--days", "30"], { env, timeout: 60_000 });
    const counts = expectedCounts(before);
    expect(stdout).toContain(
      `${appeal.slug}: would remove ${counts.emails} e-mail addresses, ${counts.ipHashes} IP hashes, ${counts.pending} unconfirmed signatures\n`,
    );
    const mails = (await getDb().selectFrom("outbox").select("id").where("status", "<>", "pending").execute()).length;
    expect(stdout).toContain(`outbox: would remove ${mails} e-mails sent more than the retention period ago`);
    expect(stdout).toMatch(new RegExp(`total: would remove \\d+ e-mail addresses, \\d+ IP hashes, \\d+ unconfirmed signatures, ${mails} sent e-mails`));
    expect(await snapshot(appeal)).toEqual(before);
    const bad = await run("npx", ["tsx", "scripts/retention.ts", "--days", "soon"], { env, timeout: 60_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(bad).toMatchObject({ code: 2 });
    expect(await snapshot(appeal)).toEqual(before);
  }, 120_000);
});

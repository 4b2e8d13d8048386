import crypto from "node:crypto";
import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { primaryPool } from "../../db/client";
import { newOrganization } from "../../tests/fixtures/organizers";
import { insertAddressee, upsertVersion } from "../../db/queries/appeals";
import providerData from "../data/email-providers";
import { leafFieldsOf, leafHash } from "../ledger/leaf";
import { action as signAction } from "../routes/appeals.$slug/route";
import { action as confirmAction, loader as confirmLoader } from "../routes/s.confirm.$token";
import { signSchema, type SignerFields } from "../schemas/sign";
import { parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { hashToken } from "../utils/tokens.server";
import { formStamp, resetLimits } from "./abuse.server";
import { closeAppeal, publish } from "./appeals.server";
import { exactConfirmed, foldCounts } from "./counts.server";
import { emailLookup, open } from "./data-key.server";
import { emailKey } from "./email-key";
import {
  confirmedCountBySlug,
  confirmSignature,
  initials,
  peekToken,
  publicSigners,
  purgeUnconfirmed,
  rejectSignature,
  sign,
  withdrawSignature,
} from "./signing.server";
import { mailsTo as mailsToAddress } from "../../tests/fixtures/outbox";

const APP_URL = "https://appeals.example";

/** The configuration of one test (limits are in memory: forgotten each time). */
function configure(overrides: Record<string, string> = {}) {
  setEnv(
    parseEnv({
      ...process.env,
      APP_URL,
      MIN_FILL_SECONDS: "3",
      SIGN_LIMIT_PER_IP: "100000",
      SIGN_LIMIT_PER_ADDRESS: "3",
      SIGNATURE_TOKEN_TTL_HOURS: "168",
      BLOCKED_EMAIL_DOMAINS: "",
      ALLOWED_EMAIL_DOMAINS: "",
      ...overrides,
    }),
  );
  // In memory (the default store) the counters are gone before this returns.
  void resetLimits();
}

beforeEach(() => configure());

const RU = { title: "Освободите журналистов", summary: "Коротко", body: "## Мы просим\n\nОсвободить." };
const KK = { title: "Журналистерді босатыңыз", summary: "Қысқаша", body: "## Біз сұраймыз\n\nБосату." };
const EN = { title: "Free the journalists", summary: "In short", body: "## We ask\n\nRelease them." };
const DEFAULT_FIELDS: SignerFields = { city: "required", country: "optional", organization: "optional", position: "off" };

/** A published appeal (ru original, kk and en versions, one addressee), shaped like seedDemo's. */
async function openAppeal(fields: SignerFields = DEFAULT_FIELDS) {
  const { organizationId, userId } = await newOrganization();
  const slug = `sign-${crypto.randomBytes(4).toString("hex")}`;
  const db = getDb();
  const row = await db
    .insertInto("appeals")
    .values({
      organization_id: organizationId,
      slug,
      original_language: "ru",
      created_by: userId,
      field_city: fields.city,
      field_country: fields.country,
      field_organization: fields.organization,
      field_position: fields.position,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await upsertVersion(db, row.id, "ru", RU);
  await upsertVersion(db, row.id, "kk", KK);
  await upsertVersion(db, row.id, "en", EN);
  await insertAddressee(db, row.id, null, { ru: { name: "Роберта Метсола", position: "Председателю", institution: "Европарламент" } });
  await publish(row.id, userId);
  return { id: row.id, slug, userId, fields };
}

type Appeal = Awaited<ReturnType<typeof openAppeal>>;

const address = (prefix = "signer") => `${prefix}-${crypto.randomBytes(5).toString("hex")}@example.org`;

/** A filled-in form as the schema gives it to the service (stamp: served 10 s ago). */
function form(appeal: Appeal, raw: Record<string, string | undefined> = {}) {
  const values: Record<string, string> = {};
  const merged = {
    name: "Айгерім Сейітқалиева",
    email: address(),
    city: "Қарағанды",
    country: "KZ",
    disclosure: "initials",
    consent: "on",
    stamp: formStamp(Date.now() - 10_000),
    ...raw,
  };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) values[k] = v;
  return signSchema(appeal.fields).parse(values);
}

const ctx = (lang: "en" | "ru" | "kk" = "kk", ip = "198.51.100.7") => ({ lang, ip });

function mailsTo(to: string) {
  return mailsToAddress(to);
}

function tokenIn(text: string, kind: "confirm" | "reject" | "withdraw"): string {
  const match = text.match(new RegExp(`${APP_URL}/s/${kind}/([A-Za-z0-9_-]+)`));
  if (!match?.[1]) throw new Error(`no ${kind} link in:\n${text}`);
  return match[1];
}

function signaturesOf(appealId: number, email?: string) {
  let q = getDb().selectFrom("signatures").selectAll().where("appeal_id", "=", appealId);
  if (email) q = q.where("email_key", "=", emailLookup(email));
  return q.orderBy("id").execute();
}

async function abuseKinds(appealId: number) {
  const rows = await getDb().selectFrom("abuse_events").select("kind").where("appeal_id", "=", appealId).orderBy("id").execute();
  return rows.map((r) => r.kind);
}

async function storedCount(appealId: number) {
  const row = await getDb().selectFrom("appeal_counts").select("confirmed").where("appeal_id", "=", appealId).executeTakeFirst();
  return row?.confirmed ?? 0;
}

/** Signs and returns the links of the confirmation e-mail that arrived. */
async function signAndRead(appeal: Appeal, raw: Record<string, string | undefined> = {}, lang: "en" | "ru" | "kk" = "kk") {
  const input = form(appeal, raw);
  await sign(appeal.slug, input, ctx(lang));
  const mails = await mailsTo(input.email);
  const mail = mails.at(-1);
  if (!mail) throw new Error("no e-mail queued");
  return { input, mail, confirm: tokenIn(mail.text, "confirm"), reject: tokenIn(mail.text, "reject"), withdraw: tokenIn(mail.text, "withdraw") };
}

async function signAndConfirm(appeal: Appeal, raw: Record<string, string | undefined> = {}) {
  const signed = await signAndRead(appeal, raw);
  expect((await confirmSignature(signed.confirm)).state).toBe("valid");
  return signed;
}

function tamper(token: string) {
  const last = token.at(-1) === "A" ? "B" : "A";
  return token.slice(0, -1) + last;
}

describe("signing: a pending signature and its confirmation e-mail", () => {
  it("binds the signature to the current revision and the signer's language, and queues a Kazakh e-mail with confirm, 'it wasn't me' and withdraw links", async () => {
    const appeal = await openAppeal();
    // A published correction: the signature must name revision 2.
    await publish(appeal.id, appeal.userId, { changeNote: "Опечатка" });
    const { input, mail, confirm, reject, withdraw } = await signAndRead(appeal, { organization: "Қоғамдық қор", keepInformed: "on" });

    const [signature] = await signaturesOf(appeal.id);
    expect(signature).toMatchObject({
      status: "pending",
      revision: 2,
      lang: "kk",
      name: "Айгерім Сейітқалиева",
      city: "Қарағанды",
      country: "KZ",
      organization: "Қоғамдық қор",
      position: null,
      disclosure: "initials",
      keep_informed: true,
      email_key: emailLookup(input.email),
      confirmed_at: null,
    });
    // At rest (issue 14): the address sealed, the duplicate key a keyed hash; neither is the address.
    expect(signature!.email).toMatch(/^s1:[0-9a-f]{8}:/);
    expect(open(signature!.email!, "email")).toBe(input.email);
    expect(JSON.stringify(signature).toLowerCase()).not.toContain(input.email.split("@")[0]!.toLowerCase());

    expect(mail.kind).toBe("signature_confirm");
    expect(mail.subject).toBe(`Қолтаңбаңызды растаңыз: ${KK.title}`);
    expect(mail.text).toContain("Сәлеметсіз бе, Айгерім Сейітқалиева!");
    expect(mail.text).toContain("Сілтеме 7 күн жарамды.");
    expect(mail.text).toContain("Қолтаңбамды растау");
    expect(mail.text).toContain("Бұл мен емеспін");
    expect(mail.html).toContain('<html lang="kk">');
    expect(mail.html).toContain("Қолтаңбамды растау");
    for (const [kind, token] of [
      ["confirm", confirm],
      ["reject", reject],
      ["withdraw", withdraw],
    ] as const) {
      expect(mail.html).toContain(`${APP_URL}/s/${kind}/${token}`);
    }
    // The pages behind the links open in the signer's language.
    expect(mail.text).toMatch(new RegExp(`/s/confirm/${confirm}\\?lang=kk`));
  });

  it("stores tokens of at least 128 bits only as their SHA-256 hash, never the token itself; they expire after SIGNATURE_TOKEN_TTL_HOURS", async () => {
    const appeal = await openAppeal();
    const { confirm, reject, withdraw, input } = await signAndRead(appeal);
    const [signature] = await signaturesOf(appeal.id);
    const tokens = await getDb()
      .selectFrom("signature_tokens")
      .select(["token_hash", "purpose", sql<number>`extract(epoch from expires_at - now())`.as("left")])
      .where("signature_id", "=", signature!.id)
      .execute();
    expect(tokens).toHaveLength(3);
    for (const [purpose, token] of [
      ["confirm", confirm],
      ["reject", reject],
      ["withdraw", withdraw],
    ] as const) {
      expect(Buffer.from(token, "base64url").length * 8).toBeGreaterThanOrEqual(128);
      const row = tokens.find((t) => t.purpose === purpose);
      expect(row?.token_hash.equals(crypto.createHash("sha256").update(token).digest())).toBe(true);
      expect(row?.token_hash.equals(hashToken(token))).toBe(true);
    }
    const hours = (purpose: string) => Number(tokens.find((t) => t.purpose === purpose)?.left) / 3600;
    expect(hours("confirm")).toBeGreaterThan(167.9);
    expect(hours("confirm")).toBeLessThanOrEqual(168);
    expect(hours("reject")).toBeCloseTo(hours("confirm"), 1);
    expect(hours("withdraw")).toBeGreaterThan(168);

    // No raw token anywhere but in the e-mail waiting in the outbox.
    const dump = await sql<{ t: string }>`
      SELECT string_agg(x, ' ') AS t FROM (
        SELECT row_to_json(s)::text AS x FROM signatures s
        UNION ALL SELECT row_to_json(t)::text FROM signature_tokens t
        UNION ALL SELECT row_to_json(c)::text FROM count_deltas c
        UNION ALL SELECT row_to_json(a)::text FROM abuse_events a
      ) rows`.execute(getDb());
    const everything = dump.rows[0]?.t ?? "";
    // The signature is in it (its keyed hash), never its address (sealed at rest, issue 14).
    expect(everything).toContain(emailLookup(input.email));
    expect(everything.toLowerCase()).not.toContain(input.email.toLowerCase());
    for (const token of [confirm, reject, withdraw]) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(Buffer.from(token).toString("hex"));
    }

    configure({ SIGNATURE_TOKEN_TTL_HOURS: "48" });
    const other = await signAndRead(appeal, {}, "en");
    expect(other.mail.text).toContain("The link works for 2 days.");
    const left = await getDb()
      .selectFrom("signature_tokens")
      .select(sql<number>`extract(epoch from expires_at - now())`.as("left"))
      .where("token_hash", "=", hashToken(other.confirm))
      .executeTakeFirstOrThrow();
    expect(Number(left.left) / 3600).toBeCloseTo(48, 1);
  });

  it("answers the same for a new, a pending and a confirmed address: a fresh confirmation, then an 'already signed' e-mail with a withdraw link, never a second signature", async () => {
    const appeal = await openAppeal();
    const first = await signAndRead(appeal, {}, "ru");
    // Pending: signing again resends a confirmation (both links work), no new row.
    await expect(sign(appeal.slug, form(appeal, { email: first.input.email }), ctx("ru"))).resolves.toBeUndefined();
    let mails = await mailsTo(first.input.email);
    expect(mails.map((m) => m.kind)).toEqual(["signature_confirm", "signature_confirm"]);
    expect(mails[1]!.subject).toBe(`Подтвердите подпись: ${RU.title}`);
    const second = tokenIn(mails[1]!.text, "confirm");
    expect(second).not.toBe(first.confirm);
    expect(await signaturesOf(appeal.id)).toHaveLength(1);

    expect((await confirmSignature(second)).state).toBe("valid");
    expect((await confirmSignature(first.confirm)).state).toBe("already");

    // Confirmed: an "already signed" e-mail in the language of the new attempt, with a withdraw link.
    await expect(sign(appeal.slug, form(appeal, { email: first.input.email.toUpperCase() }), ctx("kk"))).resolves.toBeUndefined();
    mails = await mailsTo(first.input.email);
    expect(mails).toHaveLength(3);
    const already = mails[2]!;
    expect(already.kind).toBe("signature_already");
    expect(already.subject).toBe(`Сіз бұрын қол қойғансыз: ${KK.title}`);
    expect(already.text).toContain("Бұрынғы қолтаңбаңыз күшінде");
    expect(already.text).not.toContain("/s/confirm/");
    const withdraw = tokenIn(already.text, "withdraw");
    expect(await signaturesOf(appeal.id)).toHaveLength(1);
    await foldCounts();
    expect(await storedCount(appeal.id)).toBe(1);

    expect((await withdrawSignature(withdraw)).state).toBe("valid");
    await foldCounts();
    expect(await storedCount(appeal.id)).toBe(0);
    expect(await signaturesOf(appeal.id)).toHaveLength(0);
  });

  it("counts an address once however the provider spells it (rules from email-providers.ts)", async () => {
    const providers: Record<string, { ignore?: string; same?: string; plus?: boolean; canonical?: string }> = providerData.providers;
    for (const [domain, rule] of Object.entries(providers)) {
      const home = rule.canonical ?? domain;
      const base = emailKey(`jane.doe@${home}`);
      expect(emailKey(` Jane.Doe@${domain.toUpperCase()} `), domain).toBe(base);
      expect(emailKey(`jane.doe@${domain}.`), domain).toBe(base);
      if (rule.same?.includes("-")) expect(emailKey(`jane-doe@${domain}`), domain).toBe(base);
      if (rule.ignore?.includes(".")) expect(emailKey(`j.a.n.e.d.o.e@${domain}`), domain).toBe(base);
      else expect(emailKey(`j.a.n.e.d.o.e@${domain}`), domain).not.toBe(base);
      if (rule.plus) expect(emailKey(`jane.doe+appeal@${domain}`), domain).toBe(base);
      else expect(emailKey(`jane.doe+appeal@${domain}`), domain).not.toBe(base);
    }
    expect(emailKey("jane.doe+x@example.org")).not.toBe(emailKey("janedoe@example.org"));

    const appeal = await openAppeal();
    const local = `aigerim.${crypto.randomBytes(3).toString("hex")}`;
    await sign(appeal.slug, form(appeal, { email: `${local}@gmail.com` }), ctx());
    await sign(appeal.slug, form(appeal, { email: `${local.replace(".", "")}+appeal@GoogleMail.com` }), ctx());
    await sign(appeal.slug, form(appeal, { email: `${local.toUpperCase()}@gmail.com` }), ctx());
    const rows = await signaturesOf(appeal.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.email_key).toBe(emailLookup(`${local.replace(".", "")}@gmail.com`));
    // The second address gets its own confirmation e-mail (it is the person's own mailbox).
    expect(await mailsTo(`${local.replace(".", "")}+appeal@googlemail.com`)).toHaveLength(1);
  });
});

describe("signing: during a data key rotation", () => {
  it("finds a signature made under the previous key by its address: no second signature, the confirmation sent again, name and address still open", async () => {
    const appeal = await openAppeal();
    const previous = process.env.DATA_KEY!;
    const current = crypto.randomBytes(32).toString("base64");
    const { max: lastMail } = await getDb()
      .selectFrom("outbox")
      .select((eb) => eb.fn.max("id").as("max"))
      .executeTakeFirstOrThrow();
    try {
      const first = await signAndRead(appeal, { name: "Скрытая Ротация", disclosure: "private" });
      // The new key in DATA_KEY, the old one in DATA_KEY_PREVIOUS (as `npm run data-key -- rotate` expects).
      configure({ DATA_KEY: current, DATA_KEY_PREVIOUS: previous });
      const before = (await mailsTo(first.input.email)).length;
      await sign(appeal.slug, form(appeal, { email: first.input.email.toUpperCase(), name: "Скрытая Ротация", disclosure: "private" }), ctx());
      expect(await getDb().selectFrom("signatures").select("id").where("appeal_id", "=", appeal.id).execute()).toHaveLength(1);
      const again = (await mailsTo(first.input.email.toLowerCase())).slice(before);
      expect(again.map((m) => m.kind)).toEqual(["signature_confirm"]);
      expect(again[0]!.text).toContain(`${APP_URL}/s/confirm/`);
      const [row] = await signaturesOf(appeal.id);
      expect(open(row!.name, "name")).toBe("Скрытая Ротация");
      expect(open(row!.email!, "email")).toBe(first.input.email);
    } finally {
      configure();
      await getDb().deleteFrom("signatures").where("appeal_id", "=", appeal.id).execute();
      // The mails sealed under this test's key would not open for the next tests (which read the whole outbox).
      await getDb()
        .deleteFrom("outbox")
        .where("id", ">", lastMail ?? 0)
        .execute();
    }
  });
});

describe("signing: the links", () => {
  it("opening a link consumes nothing; the button confirms once, a second press says 'already'; the signer is counted after foldCounts and listed as chosen", async () => {
    const appeal = await openAppeal();
    const publicOne = await signAndRead(appeal, { name: "Ғалым Өтегенұлы", city: "Өскемен", disclosure: "public" });
    const initialsOne = await signAndRead(appeal, { name: "Айгерім Сейітқалиева", disclosure: "initials" });
    const privateOne = await signAndRead(appeal, { name: "Һибатулла Ұзақбаев", city: "Түркістан", disclosure: "private" });

    for (let i = 0; i < 3; i++)
      expect(await peekToken(publicOne.confirm, "confirm")).toMatchObject({ state: "valid", slug: appeal.slug, title: KK.title, lang: "kk" });
    expect(await peekToken(publicOne.reject, "reject")).toMatchObject({ state: "valid" });
    expect(await peekToken(publicOne.withdraw, "withdraw")).toMatchObject({ state: "valid" });
    expect((await signaturesOf(appeal.id)).every((s) => s.status === "pending")).toBe(true);
    const used = await getDb().selectFrom("signature_tokens").select("token_hash").where("used_at", "is not", null).execute();
    expect(used).toHaveLength(0);

    for (const s of [publicOne, initialsOne, privateOne]) expect((await confirmSignature(s.confirm)).state).toBe("valid");
    expect(await confirmSignature(publicOne.confirm)).toMatchObject({ state: "already", slug: appeal.slug });
    expect((await peekToken(publicOne.confirm, "confirm")).state).toBe("already");

    // Counted from deltas: the thanks page sees it at once, the stored count after a fold.
    expect(await confirmedCountBySlug(appeal.slug)).toBe(3);
    expect(await storedCount(appeal.id)).toBe(0);
    await foldCounts();
    expect(await storedCount(appeal.id)).toBe(3);
    expect(await exactConfirmed(appeal.id)).toBe(3);

    const { signers } = await publicSigners(appeal.id);
    expect(signers.map((s) => [s.name, s.city])).toEqual(
      expect.arrayContaining([
        ["Ғалым Өтегенұлы", "Өскемен"],
        ["А. С.", "Қарағанды"],
      ]),
    );
    expect(signers).toHaveLength(2);
    expect(JSON.stringify(signers)).not.toContain("Ұзақбаев");
    expect(JSON.stringify(signers)).not.toContain("@");
    // The hidden signer's name is sealed at rest, the public ones are not; its ledger leaf is over the name itself.
    const stored = await signaturesOf(appeal.id);
    const hidden = stored.find((r) => r.disclosure === "private")!;
    expect(hidden.name).toMatch(/^s1:[0-9a-f]{8}:/);
    expect(open(hidden.name, "name")).toBe("Һибатулла Ұзақбаев");
    expect(stored.filter((r) => r.disclosure !== "private").map((r) => r.name)).toEqual(expect.arrayContaining(["Ғалым Өтегенұлы", "Айгерім Сейітқалиева"]));
    const leaf = await getDb()
      .selectFrom("ledger_leaves")
      .select("leaf_hash")
      .where("appeal_id", "=", appeal.id)
      .where("leaf_index", "=", hidden.ledger_index!)
      .executeTakeFirstOrThrow();
    const fields = { ...hidden, name: "Һибатулла Ұзақбаев", confirmedAt: hidden.confirmed_at! };
    expect(Buffer.from(leafHash(leafFieldsOf(fields), new Uint8Array(hidden.ledger_salt!))).equals(leaf.leaf_hash)).toBe(true);
    expect(initials("Zofia Łukasiewicz-Żółć")).toBe("Z. Ł. Ż.");
  });

  it("a tampered, malformed or wrong-purpose token is invalid and changes nothing", async () => {
    const appeal = await openAppeal();
    const s = await signAndRead(appeal);
    for (const bad of [tamper(s.confirm), s.confirm.slice(1), `${s.confirm}x`, "", "../../etc/passwd", s.reject, s.withdraw]) {
      expect((await peekToken(bad, "confirm")).state).toBe("invalid");
      expect(await confirmSignature(bad)).toMatchObject({ state: "invalid", slug: null });
    }
    expect(await rejectSignature(s.confirm)).toMatchObject({ state: "invalid" });
    expect(await withdrawSignature(tamper(s.withdraw))).toMatchObject({ state: "invalid" });
    const [row] = await signaturesOf(appeal.id);
    expect(row?.status).toBe("pending");
    expect(await getDb().selectFrom("count_deltas").selectAll().where("appeal_id", "=", appeal.id).execute()).toHaveLength(0);
  });

  it("an expired confirmation link says so and confirms nothing; signing again sends a working one", async () => {
    const appeal = await openAppeal();
    const s = await signAndRead(appeal);
    await getDb()
      .updateTable("signature_tokens")
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where("purpose", "in", ["confirm", "reject"])
      .execute();
    expect((await peekToken(s.confirm, "confirm")).state).toBe("expired");
    expect((await confirmSignature(s.confirm)).state).toBe("expired");
    expect((await rejectSignature(s.reject)).state).toBe("expired");
    expect((await signaturesOf(appeal.id))[0]?.status).toBe("pending");
    expect(await confirmedCountBySlug(appeal.slug)).toBe(0);

    await sign(appeal.slug, form(appeal, { email: s.input.email }), ctx());
    const fresh = tokenIn((await mailsTo(s.input.email)).at(-1)!.text, "confirm");
    expect((await confirmSignature(fresh)).state).toBe("valid");
    expect(await confirmedCountBySlug(appeal.slug)).toBe(1);
  });

  it("'it wasn't me' deletes the pending signature and its address; the link works once", async () => {
    const appeal = await openAppeal();
    const s = await signAndRead(appeal);
    const other = await signAndRead(appeal);
    expect(await peekToken(s.reject, "reject")).toMatchObject({ state: "valid", slug: appeal.slug });
    expect(await rejectSignature(s.reject)).toMatchObject({ state: "valid", slug: appeal.slug });
    expect(await signaturesOf(appeal.id, s.input.email)).toHaveLength(0);
    const leftover = await getDb().selectFrom("signatures").select("id").where("email_key", "=", emailLookup(s.input.email)).execute();
    expect(leftover).toHaveLength(0);
    expect(
      await getDb()
        .selectFrom("signature_tokens")
        .selectAll()
        .where("token_hash", "in", [hashToken(s.confirm), hashToken(s.withdraw)])
        .execute(),
    ).toHaveLength(0);
    expect((await rejectSignature(s.reject)).state).toBe("invalid");
    expect((await confirmSignature(s.confirm)).state).toBe("invalid");
    // The other signer is untouched, and nothing was counted.
    expect(await signaturesOf(appeal.id, other.input.email)).toHaveLength(1);
    await foldCounts();
    expect(await storedCount(appeal.id)).toBe(0);

    // The same address may sign again afterwards.
    await sign(appeal.slug, form(appeal, { email: s.input.email }), ctx());
    expect(await signaturesOf(appeal.id, s.input.email)).toHaveLength(1);
  });

  it("withdrawing before delivery deletes the signature and uncounts it; after delivery it is recorded as 'withdrawn'", async () => {
    const appeal = await openAppeal();
    const early = await signAndConfirm(appeal);
    const late = await signAndConfirm(appeal, { disclosure: "public", name: "Екатерина Вьюгина" });
    const late2 = await signAndConfirm(appeal, { disclosure: "public", name: "Олександр Ґудзь" });
    const pending = await signAndRead(appeal);
    await foldCounts();
    expect(await storedCount(appeal.id)).toBe(3);

    expect(await withdrawSignature(early.withdraw)).toMatchObject({ state: "valid", slug: appeal.slug });
    expect(await signaturesOf(appeal.id, early.input.email)).toHaveLength(0);
    expect((await withdrawSignature(early.withdraw)).state).toBe("invalid");
    await foldCounts();
    expect(await storedCount(appeal.id)).toBe(2);

    await getDb()
      .updateTable("appeals")
      .set({ status: "delivered", delivered_at: sql`now()`, closed_at: sql`now()` })
      .where("id", "=", appeal.id)
      .execute();
    expect((await peekToken(late.withdraw, "withdraw")).state).toBe("delivered");
    expect((await withdrawSignature(late.withdraw)).state).toBe("delivered");
    const [row] = await signaturesOf(appeal.id, late.input.email);
    expect(row).toMatchObject({ status: "withdrawn", name: "Екатерина Вьюгина" });
    expect(row?.withdrawn_at).toBeInstanceOf(Date);
    expect((await withdrawSignature(late.withdraw)).state).toBe("invalid");
    expect((await peekToken(late.withdraw, "withdraw")).state).toBe("invalid");

    // "It wasn't me" on a delivered, confirmed signature cannot erase it from the record either.
    expect((await rejectSignature(late2.reject)).state).toBe("delivered");
    expect((await signaturesOf(appeal.id, late2.input.email))[0]?.status).toBe("withdrawn");

    // A pending signature was never in the letter: its withdraw link simply deletes it.
    expect((await peekToken(pending.withdraw, "withdraw")).state).toBe("valid");
    expect((await withdrawSignature(pending.withdraw)).state).toBe("valid");
    expect(await signaturesOf(appeal.id, pending.input.email)).toHaveLength(0);

    await foldCounts();
    expect(await storedCount(appeal.id)).toBe(0);
    expect(await exactConfirmed(appeal.id)).toBe(0);
    expect((await publicSigners(appeal.id)).signers).toHaveLength(0);
  });

  it("a confirmation link of a closed appeal says it is closed and counts nothing", async () => {
    const appeal = await openAppeal();
    const s = await signAndRead(appeal);
    await closeAppeal(appeal.id, appeal.userId);
    expect((await peekToken(s.confirm, "confirm")).state).toBe("closed");
    expect((await confirmSignature(s.confirm)).state).toBe("closed");
    expect(await confirmedCountBySlug(appeal.slug)).toBe(0);
  });
});

describe("signing: purging unconfirmed signatures", () => {
  it("deletes pending signatures whose confirmation links have all expired, keeps confirmed ones and pending ones with a live (resent) link", async () => {
    await purgeUnconfirmed(); // what earlier tests left behind
    const appeal = await openAppeal();
    const stale = await signAndRead(appeal);
    const confirmed = await signAndConfirm(appeal);
    const resent = await signAndRead(appeal);
    const fresh = await signAndRead(appeal);
    // Everything was signed 8 days ago and every link has expired...
    await getDb()
      .updateTable("signatures")
      .set({ created_at: sql`now() - interval '8 days'` })
      .where("appeal_id", "=", appeal.id)
      .where("email_key", "!=", emailLookup(fresh.input.email))
      .execute();
    await getDb()
      .updateTable("signature_tokens")
      .set({ expires_at: sql`now() - interval '1 day'` })
      .where("purpose", "=", "confirm")
      .where("signature_id", "in", (eb) =>
        eb.selectFrom("signatures").select("id").where("appeal_id", "=", appeal.id).where("email_key", "!=", emailLookup(fresh.input.email)),
      )
      .execute();
    // ...but one signer signed again yesterday and got a new link, valid for 6 more days.
    await sign(appeal.slug, form(appeal, { email: resent.input.email }), ctx());
    const resentLink = tokenIn((await mailsTo(resent.input.email)).at(-1)!.text, "confirm");

    const purged = await purgeUnconfirmed();
    expect(purged).toBe(1);
    expect(await signaturesOf(appeal.id, stale.input.email)).toHaveLength(0);
    expect((await signaturesOf(appeal.id, confirmed.input.email))[0]?.status).toBe("confirmed");
    expect((await signaturesOf(appeal.id, fresh.input.email))[0]?.status).toBe("pending");
    expect((await signaturesOf(appeal.id, resent.input.email))[0]?.status).toBe("pending");
    expect((await confirmSignature(resentLink)).state).toBe("valid");
    expect((await confirmSignature(stale.confirm)).state).toBe("invalid");
    expect(await purgeUnconfirmed()).toBe(0);
  });
});

describe("signing: under load", () => {
  it("100 identical submissions at once make exactly one signature and at most 1 + SIGN_LIMIT_PER_ADDRESS e-mails", async () => {
    const appeal = await openAppeal();
    const input = form(appeal);
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => sign(appeal.slug, input, ctx())));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const rows = await signaturesOf(appeal.id);
    expect(rows).toHaveLength(1);
    const mails = await mailsTo(input.email);
    expect(mails.length).toBeGreaterThanOrEqual(1);
    expect(mails.length).toBeLessThanOrEqual(1 + 3);
    expect(mails.every((m) => m.kind === "signature_confirm")).toBe(true);
    // Every submission beyond the limit is recorded as abuse, without the address.
    const kinds = await abuseKinds(appeal.id);
    expect(kinds.filter((k) => k === "address_rate")).toHaveLength(100 - mails.length);
    // Every e-mail's links point to the one signature.
    for (const m of mails) expect((await peekToken(tokenIn(m.text, "confirm"), "confirm")).state).toBe("valid");
  });

  it("concurrent confirmations (some pressed twice) and concurrent folds count each signer exactly once, without updating a shared row on the signing path", async () => {
    const appeal = await openAppeal();
    const signed = [];
    for (let i = 0; i < 40; i++) signed.push(await signAndRead(appeal, { name: `Signer ${i}` }, "en"));
    await foldCounts();
    const before = await getDb().selectFrom("appeal_counts").select(["confirmed", "updated_at"]).where("appeal_id", "=", appeal.id).executeTakeFirstOrThrow();

    const presses = signed.flatMap((s, i) => (i % 2 ? [s.confirm, s.confirm] : [s.confirm]));
    let folding = true;
    const folder = (async () => {
      let n = 0;
      while (folding) {
        await Promise.all([foldCounts(), foldCounts()]);
        n++;
      }
      return n;
    })();
    const outcomes = await Promise.all(presses.map((t) => confirmSignature(t)));
    folding = false;
    await folder;
    expect(outcomes.filter((o) => o.state === "valid")).toHaveLength(40);
    expect(outcomes.filter((o) => o.state !== "valid").every((o) => o.state === "already")).toBe(true);

    await foldCounts();
    expect(await storedCount(appeal.id)).toBe(40);
    expect(await exactConfirmed(appeal.id)).toBe(40);
    expect(await getDb().selectFrom("count_deltas").selectAll().where("appeal_id", "=", appeal.id).execute()).toHaveLength(0);
    expect(before.confirmed).toBe(0);

    // Confirming writes an append-only delta; only the fold touches appeal_counts.
    const extra = await signAndRead(appeal);
    const stamp = await getDb().selectFrom("appeal_counts").select("updated_at").where("appeal_id", "=", appeal.id).executeTakeFirstOrThrow();
    await confirmSignature(extra.confirm);
    const after = await getDb().selectFrom("appeal_counts").select(["confirmed", "updated_at"]).where("appeal_id", "=", appeal.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ confirmed: 40, updated_at: stamp.updated_at });
    expect(await getDb().selectFrom("count_deltas").select("confirmed").where("appeal_id", "=", appeal.id).execute()).toEqual([{ confirmed: 1 }]);
    expect(await foldCounts()).toBe(1);
    expect(await storedCount(appeal.id)).toBe(41);
  });
});

describe("signing: group commit (sign-batch.server.ts)", () => {
  it("signs arriving together share statements; each signature gets its own tokens, e-mail and name, and its links act on it alone", async () => {
    const appeal = await openAppeal();
    const inputs = Array.from({ length: 30 }, (_, i) => form(appeal, { name: `Signer ${i}`, disclosure: i % 3 ? "public" : "private" }));
    const results = await Promise.allSettled(inputs.map((input, i) => sign(appeal.slug, input, ctx(i % 2 ? "en" : "kk"))));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const rows = await signaturesOf(appeal.id);
    expect(rows).toHaveLength(30);
    // One statement, one now(): the rows of a batch share created_at. Fewer statements than signs.
    expect(new Set(rows.map((r) => r.created_at.getTime())).size).toBeLessThan(30);
    for (const [i, input] of inputs.entries()) {
      const [row] = await signaturesOf(appeal.id, input.email);
      expect(open(row!.name, "name")).toBe(`Signer ${i}`);
      expect(row!.lang).toBe(i % 2 ? "en" : "kk");
      const mails = await mailsTo(input.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toContain(`Signer ${i}`);
      const tokens = await getDb().selectFrom("signature_tokens").select(["purpose", "token_hash"]).where("signature_id", "=", row!.id).execute();
      expect(tokens.map((t) => t.purpose).sort()).toEqual(["confirm", "reject", "withdraw"]);
      // The e-mail's links are this signature's own.
      for (const kind of ["confirm", "reject", "withdraw"] as const)
        expect(tokens.find((t) => t.purpose === kind)!.token_hash.equals(hashToken(tokenIn(mails[0]!.text, kind)))).toBe(true);
    }
    // Confirming one confirms that one only.
    expect((await confirmSignature(tokenIn((await mailsTo(inputs[7]!.email))[0]!.text, "confirm"))).state).toBe("valid");
    const statuses = await signaturesOf(appeal.id);
    expect(statuses.filter((r) => r.status === "confirmed").map((r) => r.email_key)).toEqual([emailLookup(inputs[7]!.email)]);
  });

  it("a row the database refuses fails only its own sign: the others of its batch are stored", async () => {
    const appeal = await openAppeal();
    // One sign first, so the appeal is cached and the rest reach the database together: the refused
    // row goes in a batch with others (without the retry one by one, they would fail with it).
    const first = form(appeal);
    await sign(appeal.slug, first, ctx());
    const good = Array.from({ length: 8 }, () => form(appeal));
    // A disclosure outside the column's CHECK: the schema never lets one through, so it is forced here.
    const bad = { ...form(appeal), disclosure: "everyone" as never };
    const results = await Promise.allSettled([...good.slice(0, 4), bad, ...good.slice(4)].map((input) => sign(appeal.slug, input, ctx())));
    expect(results.map((r) => r.status)).toEqual([...Array(4).fill("fulfilled"), "rejected", ...Array(4).fill("fulfilled")]);
    const rows = await signaturesOf(appeal.id);
    expect(rows.map((r) => r.email_key).sort()).toEqual([first, ...good].map((g) => emailLookup(g.email)).sort());
    expect(await mailsTo(bad.email)).toEqual([]);
  });

  it("the sign statement is a prepared statement: parsed and planned once per connection, then reused", async () => {
    const appeal = await openAppeal();
    // One after another: each takes the pool's most recently used connection.
    for (let i = 0; i < 3; i++) await sign(appeal.slug, form(appeal), ctx());
    expect(await signaturesOf(appeal.id)).toHaveLength(3);
    const { rows } = await primaryPool().query<{ statement: string; executions: number }>(
      "SELECT statement, generic_plans + custom_plans AS executions FROM pg_prepared_statements WHERE from_sql = false",
    );
    // (A key-rotation test may have left the statement's other shape on this connection too.)
    const prepared = rows.filter((r) => r.statement.includes("INSERT INTO signatures"));
    // Prepared under one name and executed again: not prepared anew at each sign.
    expect(prepared.some((r) => r.executions >= 2)).toBe(true);
  });
});

describe("signing: abuse checks", () => {
  async function attempt(appeal: Appeal, raw: Record<string, string | undefined>, ip = "192.0.2.1") {
    const input = form(appeal, raw);
    await expect(sign(appeal.slug, input, ctx("kk", ip))).resolves.toBeUndefined();
    return input;
  }

  async function expectRefused(appeal: Appeal, input: { email: string }, kind: string) {
    expect(await signaturesOf(appeal.id, input.email)).toHaveLength(0);
    expect(await mailsTo(input.email)).toHaveLength(0);
    expect(await abuseKinds(appeal.id)).toContain(kind);
  }

  it("honeypot, too fast, a missing or forged stamp: recorded, nothing written, the same answer", async () => {
    const appeal = await openAppeal();
    await expectRefused(appeal, await attempt(appeal, { website: "http://spam.example" }), "honeypot");
    await expectRefused(appeal, await attempt(appeal, { stamp: formStamp(Date.now() - 1000) }), "too_fast");
    await expectRefused(appeal, await attempt(appeal, { stamp: undefined }), "bad_stamp");
    const forged = `${Date.now() - 60_000}.${formStamp().split(".")[1]}`;
    await expectRefused(appeal, await attempt(appeal, { stamp: forged }), "bad_stamp");
    expect(await abuseKinds(appeal.id)).toEqual(["honeypot", "too_fast", "bad_stamp", "bad_stamp"]);
    const events = await getDb().selectFrom("abuse_events").selectAll().where("appeal_id", "=", appeal.id).execute();
    expect(JSON.stringify(events)).not.toContain("@");
    // A time-to-fill of exactly the minimum passes.
    const ok = await attempt(appeal, { stamp: formStamp(Date.now() - 3000) });
    expect(await signaturesOf(appeal.id, ok.email)).toHaveLength(1);
  });

  it("blocked and not-allowed e-mail domains", async () => {
    configure({ BLOCKED_EMAIL_DOMAINS: "spam.example, Mailinator.com" });
    const appeal = await openAppeal();
    await expectRefused(appeal, await attempt(appeal, { email: `x${crypto.randomBytes(3).toString("hex")}@mailinator.com` }), "blocked_domain");
    const fine = await attempt(appeal, {});
    expect(await signaturesOf(appeal.id, fine.email)).toHaveLength(1);

    configure({ ALLOWED_EMAIL_DOMAINS: "university.example" });
    await expectRefused(appeal, await attempt(appeal, {}), "not_allowed_domain");
    const member = await attempt(appeal, { email: `student-${crypto.randomBytes(3).toString("hex")}@university.example` });
    expect(await signaturesOf(appeal.id, member.email)).toHaveLength(1);
  });

  it("per-IP and per-address limits", async () => {
    configure({ SIGN_LIMIT_PER_IP: "2", SIGN_LIMIT_PER_ADDRESS: "2" });
    const appeal = await openAppeal();
    await attempt(appeal, {}, "203.0.113.1");
    await attempt(appeal, {}, "203.0.113.1");
    await expectRefused(appeal, await attempt(appeal, {}, "203.0.113.1"), "ip_rate");
    // Another IP is not affected.
    const other = await attempt(appeal, {}, "203.0.113.2");
    expect(await signaturesOf(appeal.id, other.email)).toHaveLength(1);

    // The same address: 1 first e-mail + 2 more, then silence.
    for (let i = 0; i < 5; i++) await attempt(appeal, { email: other.email }, `198.51.100.${10 + i}`);
    expect(await mailsTo(other.email)).toHaveLength(3);
    expect((await abuseKinds(appeal.id)).filter((k) => k === "address_rate")).toHaveLength(3);
    expect(await signaturesOf(appeal.id, other.email)).toHaveLength(1);
  });
});

describe("signing: unknown and closed appeals", () => {
  it("an unknown appeal is not found; a closed one refuses at once (no signature, no e-mail), also when its closing date passed", async () => {
    const appeal = await openAppeal();
    await expect(sign("no-such-appeal", form(appeal), ctx())).rejects.toMatchObject({ code: "not_found" });

    const before = await signAndRead(appeal); // warms any cache of the appeal
    expect(before.mail).toBeTruthy();
    await closeAppeal(appeal.id, appeal.userId);
    const late = form(appeal);
    const error = await sign(appeal.slug, late, ctx()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "closed" });
    expect(await signaturesOf(appeal.id, late.email)).toHaveLength(0);
    expect(await mailsTo(late.email)).toHaveLength(0);

    const dated = await openAppeal();
    await signAndRead(dated);
    await getDb()
      .updateTable("appeals")
      .set({ closes_at: sql`now() - interval '1 second'` })
      .where("id", "=", dated.id)
      .execute();
    const afterDate = form(dated);
    await expect(sign(dated.slug, afterDate, ctx())).rejects.toMatchObject({ code: "closed" });
    expect(await signaturesOf(dated.id, afterDate.email)).toHaveLength(0);
  });
});

describe("the sign form's action", () => {
  function post(slug: string, body: Record<string, string>, lang = "ru") {
    const request = new Request(`${APP_URL}/appeals/${slug}?lang=${lang}`, {
      method: "POST",
      body: new URLSearchParams(body),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    return signAction({ request, params: { slug }, context: { clientIp: "192.0.2.55" } });
  }

  const valid = () => ({
    name: "Екатерина Вьюгина",
    email: address("form"),
    city: "Санкт-Петербург",
    country: "RU",
    disclosure: "public",
    consent: "on",
    stamp: formStamp(Date.now() - 10_000),
  });

  const cases: Array<[string, Record<string, string | undefined>, string, string]> = [
    ["missing name", { name: "  " }, "name", "form.required"],
    ["a name over 200 characters", { name: "Ж".repeat(201) }, "name", "form.tooLong:200"],
    ["control characters", { name: "Eve\u0007 Bell" }, "name", "form.controlChars"],
    ["a bidi override", { city: "Almaty\u202E" }, "city", "form.controlChars"],
    ["an invalid e-mail", { email: "not-an-address" }, "email", "form.invalidEmail"],
    ["a missing e-mail", { email: undefined }, "email", "form.required"],
    ["a missing required city", { city: "" }, "city", "form.required"],
    ["an unknown country", { country: "XX" }, "country", "form.invalid"],
    ["no disclosure choice", { disclosure: undefined }, "disclosure", "sign.chooseDisclosure"],
    ["no consent", { consent: undefined }, "consent", "sign.consentRequired"],
  ];

  it.each(cases)("%s: 400, the error, the values kept, nothing written", async (_label, change, field, message) => {
    const appeal = await openAppeal();
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...valid(), keepInformed: "on", ...change })) if (v !== undefined) body[k] = v;
    const response = await post(appeal.slug, body);
    expect(response.status).toBe(400);
    const data = (await response.json()) as { errors: Record<string, string>; values: Record<string, string>; formError: string | null; stamp?: string };
    expect(data.errors[field]).toBe(message);
    const { stamp, ...shown } = body;
    expect(data.values).toEqual(shown);
    expect(data.stamp).toBe(stamp);
    expect(await signaturesOf(appeal.id)).toHaveLength(0);
    expect(await mailsTo(body.email ?? "")).toHaveLength(0);
  });

  it("a name of exactly 200 characters is fine", async () => {
    const appeal = await openAppeal();
    const response = await post(appeal.slug, { ...valid(), name: "Ж".repeat(200) });
    expect(response.status).toBe(303);
  });

  it("redirects to the same 'check your e-mail' page for a new, pending, confirmed or refused address", async () => {
    const appeal = await openAppeal();
    const body = valid();
    const locations: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      const r = await post(appeal.slug, body);
      expect(r.status).toBe(303);
      locations.push(r.headers.get("Location"));
    }
    const [signature] = await signaturesOf(appeal.id);
    expect(signature).toMatchObject({ status: "pending", lang: "ru", name: "Екатерина Вьюгина", disclosure: "public" });
    const link = tokenIn((await mailsTo(body.email)).at(-1)!.text, "confirm");
    await confirmSignature(link);
    const again = await post(appeal.slug, body);
    locations.push(again.headers.get("Location"));
    const bot = await post(appeal.slug, { ...valid(), website: "spam" });
    locations.push(bot.headers.get("Location"));
    expect(new Set(locations)).toEqual(new Set([`/appeals/${appeal.slug}/sent`]));
    expect(await signaturesOf(appeal.id)).toHaveLength(1);
  });

  it("keeps the form's original time stamp after an error, so fixing a field quickly is not taken for a bot", async () => {
    const appeal = await openAppeal();
    const body = { ...valid(), stamp: formStamp(Date.now() - 3500) };
    const { consent: _consent, ...withoutConsent } = body;
    const first = await post(appeal.slug, withoutConsent);
    const data = (await first.json()) as { stamp?: string };
    // The page shown again carries the stamp it was first served with; the fix takes a second.
    const second = await post(appeal.slug, { ...body, stamp: data.stamp ?? formStamp() });
    expect(second.status).toBe(303);
    expect(await signaturesOf(appeal.id, body.email)).toHaveLength(1);
  });

  it("an unknown appeal is a 404; a closed appeal answers 409 with a clear message and writes nothing", async () => {
    const thrown = await post("no-such-appeal", valid()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(404);

    const appeal = await openAppeal();
    await closeAppeal(appeal.id, appeal.userId);
    const body = valid();
    const response = await post(appeal.slug, body);
    expect(response.status).toBe(409);
    const data = (await response.json()) as { formError: string; values: Record<string, string> };
    expect(data.formError).toBe("sign.closed");
    expect(data.values.name).toBe(body.name);
    expect(await signaturesOf(appeal.id)).toHaveLength(0);
  });
});

describe("the confirmation page", () => {
  it("GET shows the button and consumes nothing; POST confirms; expired and tampered links answer 410 and 400", async () => {
    const appeal = await openAppeal();
    const s = await signAndRead(appeal);
    const args = (token: string) => ({ request: new Request(`${APP_URL}/s/confirm/${token}`), params: { token }, context: {} });
    for (let i = 0; i < 2; i++) {
      const page = await confirmLoader(args(s.confirm));
      expect(((await page.json()) as { view: { state: string } }).view.state).toBe("valid");
    }
    expect((await signaturesOf(appeal.id))[0]?.status).toBe("pending");

    const done = await confirmAction({ ...args(s.confirm), request: new Request(`${APP_URL}/s/confirm/${s.confirm}`, { method: "POST" }) });
    // Confirmed: on to the thanks page (count and share link), as the server's fast path answers.
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe(`/appeals/${appeal.slug}/thanks`);
    expect(await confirmedCountBySlug(appeal.slug)).toBe(1);
    const again = await confirmAction({ ...args(s.confirm), request: new Request(`${APP_URL}/s/confirm/${s.confirm}`, { method: "POST" }) });
    expect(await again.json()).toMatchObject({ done: false, view: { state: "already" } });

    const tampered = await confirmAction(args(tamper(s.confirm)));
    expect(tampered.status).toBe(400);
    const expiring = await signAndRead(appeal);
    await getDb()
      .updateTable("signature_tokens")
      .set({ expires_at: sql`now() - interval '1 minute'` })
      .where("token_hash", "=", hashToken(expiring.confirm))
      .execute();
    const expired = await confirmAction(args(expiring.confirm));
    expect(expired.status).toBe(410);
    expect(await expired.json()).toMatchObject({ done: false, view: { state: "expired" } });
  });
});

describe("signing: the ledger", () => {
  it("gives 20 concurrent confirmations of one appeal the leaves 0..19 exactly, each hashed from its row and salt", async () => {
    const appeal = await openAppeal();
    const signed = [];
    for (let i = 0; i < 20; i++) signed.push(await signAndRead(appeal, { name: `Ledger Signer ${i}` }, "en"));
    const outcomes = await Promise.all(signed.map((s) => confirmSignature(s.confirm)));
    expect(outcomes.every((o) => o.state === "valid")).toBe(true);

    const rows = await signaturesOf(appeal.id);
    expect(rows.map((r) => r.ledger_index).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const leaves = await getDb().selectFrom("ledger_leaves").selectAll().where("appeal_id", "=", appeal.id).orderBy("leaf_index").execute();
    expect(leaves.map((l) => l.leaf_index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const r of rows) {
      const leaf = leaves[r.ledger_index!]!;
      expect(leaf.withdrawn_at).toBeNull();
      expect(Buffer.from(leaf.leaf_hash)).toEqual(Buffer.from(leafHash(leafFieldsOf({ ...r, confirmedAt: r.confirmed_at! }), new Uint8Array(r.ledger_salt!))));
    }
    const { ledger_size } = await getDb().selectFrom("appeals").select("ledger_size").where("id", "=", appeal.id).executeTakeFirstOrThrow();
    expect(ledger_size).toBe(20);
    // A second press takes no index.
    expect((await confirmSignature(signed[0]!.confirm)).state).toBe("already");
    expect((await getDb().selectFrom("appeals").select("ledger_size").where("id", "=", appeal.id).executeTakeFirstOrThrow()).ledger_size).toBe(20);
  });

  it("keeps the leaf of a signature withdrawn before delivery (the row, its salt and fields are gone), and of one rejected", async () => {
    const appeal = await openAppeal();
    const kept = await signAndConfirm(appeal, { name: "Stays Here" });
    const leaving = await signAndConfirm(appeal, { name: "Changes Mind" });
    const leavingRow = (await signaturesOf(appeal.id, leaving.input.email))[0]!;
    expect((await withdrawSignature(leaving.withdraw)).state).toBe("valid");
    expect(await signaturesOf(appeal.id, leaving.input.email)).toEqual([]);
    const leaves = await getDb().selectFrom("ledger_leaves").selectAll().where("appeal_id", "=", appeal.id).orderBy("leaf_index").execute();
    expect(leaves).toHaveLength(2);
    expect(leaves[leavingRow.ledger_index!]!.withdrawn_at).not.toBeNull();
    expect(leaves[1 - leavingRow.ledger_index!]!.withdrawn_at).toBeNull();
    // Nothing of the withdrawn signer is left beside the hash.
    const dump = (await sql<{ row: string }>`select l::text as row from ledger_leaves l where appeal_id = ${appeal.id}`.execute(getDb())).rows
      .map((r) => r.row)
      .join("\n");
    expect(dump).not.toContain("Changes Mind");
    expect(dump).not.toContain(leavingRow.ledger_salt!.toString("hex"));
    // "It wasn't me" on a pending one never made a leaf.
    const pending = await signAndRead(appeal, { name: "Never Confirmed" });
    await rejectSignature(pending.reject);
    expect(await getDb().selectFrom("ledger_leaves").select("leaf_index").where("appeal_id", "=", appeal.id).execute()).toHaveLength(2);
    expect(kept.input.name).toBe("Stays Here");
  });
});

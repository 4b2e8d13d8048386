import { execFile } from "node:child_process";
import crypto from "node:crypto";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { emailLookup, emailLookups, keyringFrom, open, seal, sealedKeyId } from "../app/services/data-key.server";
import { emailKey } from "../app/services/email-key";
import { createOutboxProcessor } from "../app/services/outbox.server";
import { env, parseEnv, setEnv } from "../app/utils/env.server";
import { enqueueMail } from "../db/queries/outbox";
import { storedMailText } from "../emails/stored";
import { findUserByEmail } from "../db/queries/organizations";
import { addSigners, publishedAppeal, signerAddress } from "../tests/fixtures/campaign";
import { SmtpSink } from "../tests/setup/smtp-sink";
import { getDb } from "../tests/setup/vitest-db";

const run = promisify(execFile);

/**
 * `npm run data-key -- rotate` end to end, as an operator runs it: rows sealed under the old key
 * (and some written before encryption), the command run with the new key in DATA_KEY and the old
 * one in DATA_KEY_PREVIOUS; then, with the old key gone, every value still opens, an address
 * still finds its signature and its account, and a queued mail still goes out.
 */
const OLD = process.env.DATA_KEY!;
const NEW = crypto.randomBytes(32).toString("base64");
const oldRing = keyringFrom(OLD);
const newRing = keyringFrom(NEW);

function cli(args: string[], keys: { DATA_KEY: string; DATA_KEY_PREVIOUS?: string }) {
  return run("npm", ["run", "--silent", "data-key", "--", ...args], {
    env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL, NODE_ENV: "test", DATA_KEY_PREVIOUS: "", ...keys },
    timeout: 120_000,
  });
}

const saved = env();
afterAll(() => setEnv(saved));

describe("npm run data-key", () => {
  it("rotate seals every value again under the new key; with the old key gone everything opens and look-ups by address still work", async () => {
    const appeal = await publishedAppeal({ organization: "Rotation NGO" });
    const addresses = Array.from({ length: 1_100 }, (_, i) => signerAddress(`rot${i}`));
    const ids = await addSigners(
      appeal.id,
      addresses.map((email, i) => ({ name: i % 2 ? `Скрытая Подписантка ${i}` : `Public Signer ${i}`, disclosure: i % 2 ? "private" : "public", email })),
    );
    // As the app seals them under the old key; the last ten left as written before encryption.
    for (const [i, id] of ids.entries()) {
      if (i >= ids.length - 10) {
        // (addSigners seals as the app does: put back the address and look-up key of before.)
        await getDb()
          .updateTable("signatures")
          .set({ email: addresses[i]!, email_key: emailKey(addresses[i]!) })
          .where("id", "=", id)
          .execute();
        continue;
      }
      await getDb()
        .updateTable("signatures")
        .set({
          email: seal(addresses[i]!, "email", oldRing),
          email_key: emailLookup(addresses[i]!, oldRing),
          ...(i % 2 ? { name: seal(`Скрытая Подписантка ${i}`, "name", oldRing) } : {}),
        })
        .where("id", "=", id)
        .execute();
    }
    const pendingMail = await enqueueMail(getDb(), {
      kind: "signature_confirm",
      to: addresses[0]!,
      subject: "Подтвердите подпись",
      html: "<p>Подтвердите</p>",
      text: "Подтвердите: https://appeals.example/s/confirm/TOKEN",
    });
    // A mail queued as its template and values (emails/stored.ts): the template is sealed like the bodies.
    const templateMail = await enqueueMail(getDb(), {
      kind: "signature_already",
      to: addresses[1]!,
      template: storedMailText({
        template: "signature_already",
        lang: "ru",
        values: { title: "Письмо", withdrawUrl: "https://appeals.example/s/withdraw/TOKEN2", neutral: false },
      }),
    });
    // A letter's transliterated names (a hidden signer's among them) are sealed too.
    const flagged = ["Скрытая Подписантка 1", "Public Signer 2"];
    const { id: letterId } = await getDb()
      .insertInto("letters")
      .values({
        appeal_id: appeal.id,
        code: "ROTA-TION-0001",
        lang: "ru",
        revision: 1,
        count: 2,
        digest: "",
        status: "ready",
        flagged_names: JSON.stringify(flagged.map((n) => seal(n, "name", oldRing))),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const owner = appeal.owner;

    const before = await cli(["status"], { DATA_KEY: OLD });
    expect(before.stdout).toContain(`signatures.email: 1090 under ${oldRing.current.id} (DATA_KEY), 10 not sealed`);

    const rotated = await cli(["rotate"], { DATA_KEY: NEW, DATA_KEY_PREVIOUS: OLD });
    expect(rotated.stdout).toContain(`signatures.email: 1100 sealed again under ${newRing.current.id}`);
    expect(rotated.stdout).toContain(`signatures.name: 550 sealed again under ${newRing.current.id}`);
    expect(rotated.stdout).toContain(`outbox.to_address: 2 sealed again`);
    expect(rotated.stdout).toContain(`outbox.template: 1 sealed again`);
    expect(rotated.stdout).toContain(`users.email: `);
    expect(rotated.stdout).toContain(`letters.flagged_names: 1 sealed again under ${newRing.current.id}`);
    expect(rotated.stdout).toContain(`Every value is sealed under ${newRing.current.id} (DATA_KEY). DATA_KEY_PREVIOUS can be removed.`);
    expect(rotated.stdout).not.toContain("@");

    // The old key is gone: this process now has the new one only.
    setEnv(parseEnv({ ...process.env, DATA_KEY: NEW, DATA_KEY_PREVIOUS: "" }));
    const rows = await getDb()
      .selectFrom("signatures")
      .select(["id", "email", "email_key", "name", "disclosure"])
      .where("appeal_id", "=", appeal.id)
      .orderBy("id")
      .execute();
    expect(rows).toHaveLength(1_100);
    for (const [i, row] of rows.entries()) {
      expect(sealedKeyId(row.email!)).toBe(newRing.current.id);
      expect(open(row.email!, "email")).toBe(addresses[i]);
      expect(() => open(row.email!, "email", oldRing)).toThrow();
      expect(row.email_key).toBe(emailLookup(addresses[i]!, newRing));
      if (row.disclosure === "private") expect(open(row.name, "name")).toBe(`Скрытая Подписантка ${i}`);
      else expect(row.name).toBe(`Public Signer ${i}`);
    }
    const letter = await getDb().selectFrom("letters").select("flagged_names").where("id", "=", letterId).executeTakeFirstOrThrow();
    expect(letter.flagged_names.map((n) => sealedKeyId(n))).toEqual([newRing.current.id, newRing.current.id]);
    expect(letter.flagged_names.map((n) => open(n, "name"))).toEqual(flagged);
    // A look-up by address (any case) finds the signer, and the organizer's account.
    const wanted = addresses[777]!.toUpperCase();
    const found = await getDb()
      .selectFrom("signatures")
      .select("id")
      .where("appeal_id", "=", appeal.id)
      .where("email_key", "in", emailLookups(wanted))
      .execute();
    expect(found.map((r) => r.id)).toEqual([ids[777]]);
    expect((await findUserByEmail(getDb(), owner.email.toUpperCase()))?.id).toBe(owner.userId);
    expect((await findUserByEmail(getDb(), owner.email))?.email).toBe(owner.email.toLowerCase());

    // The mail queued before the rotation goes out as it was written.
    const sink = new SmtpSink();
    await sink.start();
    const processor = createOutboxProcessor({ smtpUrl: sink.url, now: () => new Date(Date.now() + 1_000) });
    try {
      expect((await processor.processBatch()).sent).toBe(2);
      expect(sink.to(addresses[0]!)[0]?.text).toContain("Подтвердите: https://appeals.example/s/confirm/TOKEN");
      expect(sink.to(addresses[1]!)[0]?.text).toContain("https://appeals.example/s/withdraw/TOKEN2");
    } finally {
      processor.close();
      await sink.stop();
    }
    for (const id of [pendingMail, templateMail])
      expect(await getDb().selectFrom("outbox").select(["status", "template"]).where("id", "=", id).executeTakeFirstOrThrow()).toEqual({
        status: "sent",
        template: "",
      });

    // Nothing left to do, and the database holds none of the addresses or hidden names.
    const again = await cli(["rotate"], { DATA_KEY: NEW });
    expect(again.stdout).toContain(`signatures.email: 0 sealed again`);
    const after = await cli(["status"], { DATA_KEY: NEW });
    expect(after.stdout).toContain(`signatures.email: ${1100} under ${newRing.current.id} (DATA_KEY)`);
    expect(after.stdout).not.toContain(oldRing.current.id);
    const dump = (await sql<{ row: string }>`select s::text as row from signatures s where appeal_id = ${appeal.id}`.execute(getDb())).rows
      .map((r) => r.row)
      .join("\n");
    expect(dump).not.toContain("@");
    expect(dump).not.toContain("Скрытая");
    expect(dump).toContain("Public Signer 2");
  }, 240_000);

  it("a value under a key it is not given stops the rotation with one line naming that key; a bad argument gets the usage", async () => {
    const stranger = keyringFrom(crypto.randomBytes(32).toString("base64"));
    const appeal = await publishedAppeal({ organization: "Unknown Key NGO" });
    const [id] = await addSigners(appeal.id, [{ name: "A", email: "x@mail.example" }]);
    await getDb()
      .updateTable("signatures")
      .set({ email: seal("x@mail.example", "email", stranger) })
      .where("id", "=", id!)
      .execute();
    const failed = await cli(["rotate"], { DATA_KEY: NEW, DATA_KEY_PREVIOUS: OLD }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(stranger.current.id);
    expect(failed?.stderr).not.toMatch(/\n\s+at /);
    await getDb().deleteFrom("signatures").where("id", "=", id!).execute();

    const bad = await cli(["rotat"], { DATA_KEY: NEW }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.code).toBe(2);
    expect(bad?.stderr.trim()).toBe("unknown arguments: rotat. Usage: npm run data-key -- status | rotate");
  }, 120_000);
});

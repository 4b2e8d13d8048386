import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { down, up } from "./2026-12-03T1130_outbox_at_rest";

/**
 * The 2026-12-03T1130 migration on an outbox written by the worker before it: mails already
 * sent or failed lose their address and links; mails still waiting keep what they need; the
 * claim order gets its priority.
 */
describe("migration 2026-12-03T1130_outbox_at_rest", () => {
  it("erases what sent and failed mails still held, and leaves waiting and kept mails alone", async () => {
    const db = getDb();
    await down(db);
    const insert = async (status: string, to: string) =>
      (
        await sql<{ id: string }>`
          INSERT INTO outbox (kind, to_address, subject, html, text, headers, attachments, status)
          VALUES ('signature_confirm', ${to}, 'Confirm, Jane Doe', ${`<a href="https://x/s/withdraw/TOKEN-${to}">`}, ${`https://x/s/withdraw/TOKEN-${to}`},
                  ${JSON.stringify({ "List-Unsubscribe": `<https://x/s/unsubscribe/TOKEN-${to}>` })}::jsonb, '[{"filename":"a.pdf","storageKey":"letters/a.pdf","contentType":"application/pdf"}]'::jsonb, ${status})
          RETURNING id`.execute(db)
      ).rows[0]!.id;
    const sent = await insert("sent", "sent@example.org");
    const failed = await insert("failed", "failed@example.org");
    const pending = await insert("pending", "pending@example.org");
    const kept = await insert("kept", "kept@example.org");
    await up(db);

    const rows = await db.selectFrom("outbox").selectAll().where("id", "in", [sent, failed, pending, kept].map(Number)).orderBy("id").execute();
    const erased = { to_address: "", subject: "", html: "", text: "", headers: {}, attachments: [] };
    expect(rows[0]).toMatchObject({ status: "sent", kind: "signature_confirm", priority: 0, ...erased });
    expect(rows[1]).toMatchObject({ status: "failed", ...erased });
    expect(rows[2]).toMatchObject({ status: "pending", to_address: "pending@example.org", text: "https://x/s/withdraw/TOKEN-pending@example.org" });
    expect(rows[3]).toMatchObject({ status: "kept", to_address: "kept@example.org" });
    const dump = (await sql<{ row: string }>`select o::text as row from outbox o`.execute(db)).rows.map((r) => r.row).join("\n");
    for (const secret of ["sent@example.org", "failed@example.org", "TOKEN-sent", "TOKEN-failed"]) expect(dump).not.toContain(secret);
    await db.deleteFrom("outbox").execute();
  });
});

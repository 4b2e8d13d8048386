import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { open } from "../../app/services/data-key.server";
import type { Database } from "../schema";
import { mailRow, queueMailsFrom } from "./outbox";

// Compiles only: no database needed.
const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

describe("one list of outbox columns for every writer", () => {
  it("a mail queued from a statement fills the same columns as enqueueMail, in the same order", () => {
    const mail = { kind: "update", to: "a@example.org", subject: "S", html: "<p>H</p>", text: "T", headers: { "X-A": "1" }, attachments: [] };
    const { sql: text, parameters } = queueMailsFrom(sql`s`, mail).compile(db);
    const columns = /^INSERT INTO outbox \((.+?)\) SELECT/
      .exec(text)?.[1]
      ?.split(", ")
      .map((c) => c.replaceAll('"', ""));
    expect(columns).toEqual(Object.keys(mailRow(mail)));
    // The kind is written into the statement (a constant of the code); the rest are bound, JSON as jsonb.
    expect(text).toBe(
      `INSERT INTO outbox ("kind", "to_address", "subject", "html", "text", "headers", "attachments") SELECT 'update', $1, $2, $3, $4, $5::jsonb, $6::jsonb FROM s`,
    );
    // The address, subject and bodies are bound sealed (at rest, issue 14).
    const [to, subject, html, body, ...rest] = parameters.map(String);
    expect([open(to!, "email"), open(subject!, "mail"), open(html!, "mail"), open(body!, "mail")]).toEqual(["a@example.org", "S", "<p>H</p>", "T"]);
    expect([to, subject, html, body].every((p) => p!.startsWith("s1:"))).toBe(true);
    expect(rest).toEqual(['{"X-A":"1"}', "[]"]);
  });

  it("a mail queued as a template: the same columns as enqueueMail's, its bodies empty, the template sealed", () => {
    const mail = { kind: "signature_confirm", to: "a@example.org", template: '{"template":"signature_confirm"}' };
    const { sql: text, parameters } = queueMailsFrom(sql`s`, mail).compile(db);
    expect(text).toBe(`INSERT INTO outbox ("kind", "to_address", "subject", "html", "text", "template") SELECT 'signature_confirm', $1, '', '', '', $2 FROM s`);
    expect(Object.keys(mailRow(mail))).toEqual(["kind", "to_address", "subject", "html", "text", "template", "headers", "attachments"]);
    expect(open(String(parameters[1]), "mail")).toBe(mail.template);
    expect(open(String(mailRow(mail).template), "mail")).toBe(mail.template);
  });

  it("takes SQL expressions over its FROM, and leaves out what it is not given", () => {
    const { sql: text } = queueMailsFrom(sql`recipients r`, { kind: "signature_confirm", to: sql`r.email`, subject: "S", html: "H", text: "T" }).compile(db);
    expect(text).toBe(`INSERT INTO outbox ("kind", "to_address", "subject", "html", "text") SELECT 'signature_confirm', r.email, $1, $2, $3 FROM recipients r`);
  });
});

import type { Kysely } from "kysely";
import type { Database, OutboxAttachment } from "../schema.js";

export interface NewMail {
  kind: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  attachments?: OutboxAttachment[];
}

/**
 * Puts an e-mail in the outbox. Call it with the transaction (`trx`) of the change that
 * causes the e-mail: both commit, or neither does.
 */
export async function enqueueMail(db: Kysely<Database>, mail: NewMail): Promise<number> {
  const row = await db
    .insertInto("outbox")
    .values({
      kind: mail.kind,
      to_address: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: JSON.stringify(mail.headers ?? {}),
      attachments: JSON.stringify(mail.attachments ?? []),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

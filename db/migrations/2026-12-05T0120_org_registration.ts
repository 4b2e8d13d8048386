import { sql, type Kysely } from "kysely";

// Organizations that register themselves (issue 17 item 6, ORG_REGISTRATION):
//  - organizations.status: "active" (every existing row, and those made by `npm run org:create`)
//    or "pending" (registered while ORG_REGISTRATION=approval, waiting for `npm run org:approve`;
//    it cannot publish). description: what the organization told the operator about itself.
//    registered_lang: the owner's language at registration, for the approval e-mail.
//  - org_registrations: a registration waiting for its owner to open the e-mailed link. The
//    address is sealed (data-key.server.ts) and the link's token stored as its SHA-256, like
//    login_tokens. When the link is used the row keeps only its token hash and used_at (so a
//    second click can say "already used"): the address, name and description are erased. Rows
//    are deleted a day after they expired (the scheduler).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("organizations")
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("active")
        .check(sql`status IN ('active', 'pending')`),
    )
    .addColumn("description", "text")
    .addColumn("registered_lang", "text")
    .addColumn("approved_at", "timestamptz")
    .execute();
  await db.schema
    .createTable("org_registrations")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("email", "text")
    .addColumn("lang", "text", (c) => c.notNull())
    .addColumn("token_hash", "bytea", (c) => c.notNull().unique())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("org_registrations").ifExists().execute();
  await db.schema.alterTable("organizations").dropColumn("approved_at").dropColumn("registered_lang").dropColumn("description").dropColumn("status").execute();
}

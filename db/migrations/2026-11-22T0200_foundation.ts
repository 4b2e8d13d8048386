import { sql, type Kysely } from "kysely";

// Frozen once landed: change the schema with a new, later-dated migration.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("organizations")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("name", "text")
    .addColumn("session_version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("memberships")
    .addColumn("organization_id", "bigint", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("user_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('owner', 'editor')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("memberships_pk", ["organization_id", "user_id"])
    .execute();

  await db.schema
    .createTable("login_tokens")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("user_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_hash", "bytea", (c) => c.notNull().unique())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("appeals")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("organization_id", "bigint", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("original_language", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("draft")
        .check(sql`status in ('draft', 'published', 'closed', 'delivered')`),
    )
    .addColumn("goal", "integer")
    .addColumn("closes_at", "timestamptz")
    .addColumn("field_city", "text", (c) => c.notNull().defaultTo("optional"))
    .addColumn("field_country", "text", (c) => c.notNull().defaultTo("optional"))
    .addColumn("field_organization", "text", (c) => c.notNull().defaultTo("off"))
    .addColumn("field_position", "text", (c) => c.notNull().defaultTo("off"))
    .addColumn("show_public_list", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("current_revision", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_by", "bigint", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("published_at", "timestamptz")
    .addColumn("closed_at", "timestamptz")
    .addColumn("delivered_at", "timestamptz")
    .execute();
  await db.schema.createIndex("appeals_status_published_idx").on("appeals").columns(["status", "published_at"]).execute();

  // The working copy of each language version (drafts); published text lives in appeal_revisions.
  await db.schema
    .createTable("appeal_versions")
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("lang", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("body", "text", (c) => c.notNull().defaultTo(""))
    .addPrimaryKeyConstraint("appeal_versions_pk", ["appeal_id", "lang"])
    .execute();

  await db.schema
    .createTable("addressees")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("email", "text")
    // { "<lang>": { name, position, institution } }
    .addColumn("translations", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex("addressees_appeal_idx").on("addressees").columns(["appeal_id", "position"]).execute();

  // Frozen, numbered revisions of the published text: versions + addressees as they were.
  await db.schema
    .createTable("appeal_revisions")
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("change_note", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("content", "jsonb", (c) => c.notNull())
    .addColumn("created_by", "bigint", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("appeal_revisions_pk", ["appeal_id", "number"])
    .execute();

  await db.schema
    .createTable("attachments")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("lang", "text", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("signatures")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("lang", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("pending")
        .check(sql`status in ('pending', 'confirmed', 'withdrawn', 'removed')`),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("city", "text")
    .addColumn("country", "text")
    .addColumn("organization", "text")
    .addColumn("position", "text")
    .addColumn("disclosure", "text", (c) => c.notNull().check(sql`disclosure in ('public', 'initials', 'private')`))
    .addColumn("keep_informed", "boolean", (c) => c.notNull().defaultTo(false))
    // E-mail as typed (for sending) and normalised (for the one-signature-per-address rule);
    // both are removed by the retention job.
    .addColumn("email", "text")
    .addColumn("email_key", "text")
    .addColumn("ip_hash", "text")
    .addColumn("hidden", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("removed_reason", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("confirmed_at", "timestamptz")
    .addColumn("withdrawn_at", "timestamptz")
    .execute();
  await sql`CREATE UNIQUE INDEX signatures_appeal_email_key ON signatures (appeal_id, email_key) WHERE email_key IS NOT NULL AND status IN ('pending', 'confirmed')`.execute(
    db,
  );
  await sql`CREATE INDEX signatures_confirmed_idx ON signatures (appeal_id, confirmed_at, id) WHERE status = 'confirmed'`.execute(db);
  await sql`CREATE INDEX signatures_pending_created_idx ON signatures (created_at) WHERE status = 'pending'`.execute(db);

  await db.schema
    .createTable("signature_tokens")
    .addColumn("token_hash", "bytea", (c) => c.primaryKey())
    .addColumn("signature_id", "bigint", (c) => c.notNull().references("signatures.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`purpose in ('confirm', 'reject', 'withdraw', 'unsubscribe')`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("signature_tokens_signature_idx").on("signature_tokens").column("signature_id").execute();

  // Append-only count changes, folded into appeal_counts by a periodic job: the signing path
  // never updates a shared row.
  await db.schema
    .createTable("count_deltas")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("appeal_id", "bigint", (c) => c.notNull())
    .addColumn("confirmed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("pending", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable("appeal_counts")
    .addColumn("appeal_id", "bigint", (c) => c.primaryKey().references("appeals.id").onDelete("cascade"))
    .addColumn("confirmed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("pending", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("to_address", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("html", "text", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("headers", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("attachments", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("pending")
        .check(sql`status in ('pending', 'sent', 'failed', 'kept')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("sent_at", "timestamptz")
    .execute();
  await sql`CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'pending'`.execute(db);

  await db.schema
    .createTable("abuse_events")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("appeal_id", "bigint")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("letters")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("code", "text", (c) => c.notNull().unique())
    .addColumn("lang", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("count", "integer", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("file_sha256", "text")
    .addColumn("storage_key", "text")
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("pending")
        .check(sql`status in ('pending', 'ready', 'failed')`),
    )
    .addColumn("progress", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .addColumn("created_by", "bigint", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("deliveries")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("letter_id", "bigint", (c) => c.notNull().references("letters.id").onDelete("cascade"))
    .addColumn("addressee_id", "bigint", (c) => c.references("addressees.id").onDelete("set null"))
    .addColumn("outbox_id", "bigint", (c) => c.references("outbox.id").onDelete("set null"))
    .addColumn("created_by", "bigint", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("updates")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('update', 'response')`))
    // { "<lang>": { title, body } }
    .addColumn("content", "jsonb", (c) => c.notNull())
    .addColumn("created_by", "bigint", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "updates",
    "deliveries",
    "letters",
    "abuse_events",
    "outbox",
    "appeal_counts",
    "count_deltas",
    "signature_tokens",
    "signatures",
    "attachments",
    "appeal_revisions",
    "addressees",
    "appeal_versions",
    "appeals",
    "login_tokens",
    "memberships",
    "users",
    "organizations",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

import { sql } from "kysely";
import type { DB } from "../client.js";
import type { AppealStatus } from "../schema.js";

export interface AppealListItem {
  slug: string;
  status: AppealStatus;
  lang: string;
  title: string;
  summary: string;
  confirmed: number;
  goal: number | null;
  publishedAt: Date | null;
}

/**
 * Published, closed and delivered appeals, newest first, each in `lang` when it has that
 * version, else in its original language (`statuses`: a subset of those three). Counts come from the aggregated appeal_counts.
 */
export async function listPublicAppeals(
  db: DB,
  lang: string,
  limit = 50,
  statuses: AppealStatus[] = ["published", "closed", "delivered"],
): Promise<AppealListItem[]> {
  const rows = await db
    .selectFrom("appeals as a")
    .innerJoin("appeal_revisions as r", (j) => j.onRef("r.appeal_id", "=", "a.id").onRef("r.number", "=", "a.current_revision"))
    .leftJoin("appeal_counts as c", "c.appeal_id", "a.id")
    .where("a.status", "in", statuses)
    .select([
      "a.slug",
      "a.status",
      "a.goal",
      "a.published_at",
      "a.original_language",
      sql<number>`coalesce(c.confirmed, 0)`.as("confirmed"),
      sql<string>`case when r.content->'versions' ? ${lang} then ${lang} else a.original_language end`.as("lang"),
      "r.content",
    ])
    .orderBy("a.published_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => {
    const version = row.content.versions[row.lang] ?? { title: "", summary: "" };
    return {
      slug: row.slug,
      status: row.status,
      lang: row.lang,
      title: version.title,
      summary: version.summary,
      confirmed: row.confirmed,
      goal: row.goal,
      publishedAt: row.published_at,
    };
  });
}

import { sql } from "kysely";
import { getDb } from "../../db/client.js";
import type { AppealStatus } from "../../db/schema.js";

/**
 * Stored texts that hold U+FFFD, the replacement character. Until React's renderer was patched
 * (patches/react-dom+18.3.1.patch), ru/kk pages could carry a NUL byte that a browser turned
 * into U+FFFD inside a textarea or input; an organizer's save then stored it. This finds where,
 * so organizers can correct the text and publish a new revision. One query for the operator's
 * `npm run text:check` and the organizer's dashboard notice.
 */
export const REPLACEMENT_CHARACTER = "\uFFFD";

/** Where the text is: the working copy, the current published revision, an addressee, or a sent update. */
export type TextSource = "text" | "revision" | "addressee" | "update";
export type TextField = "title" | "summary" | "body" | "name" | "position" | "institution";

export interface ReplacementFinding {
  appealId: number;
  slug: string;
  status: AppealStatus;
  source: TextSource;
  /** Revision number, addressee or update number in the dashboard's order (from 1); null for the working copy. */
  ref: number | null;
  lang: string;
  field: TextField;
  /** False where no correction can replace the text: a sent update, or a closed or delivered appeal. */
  correctable: boolean;
}

const FIELDS: readonly string[] = ["title", "summary", "body", "name", "position", "institution"] satisfies TextField[];
const isField = (key: string): key is TextField => FIELDS.includes(key);
const holds = (value: unknown) => typeof value === "string" && value.includes(REPLACEMENT_CHARACTER);

/** The fields of a { lang: { field: text } } map that hold U+FFFD. */
function inTexts(texts: unknown): Array<{ lang: string; field: TextField }> {
  const found: Array<{ lang: string; field: TextField }> = [];
  if (!texts || typeof texts !== "object") return found;
  for (const [lang, text] of Object.entries(texts)) {
    if (!text || typeof text !== "object") continue;
    for (const [field, value] of Object.entries(text)) if (isField(field) && holds(value)) found.push({ lang, field });
  }
  return found;
}

/** Every stored text holding U+FFFD, of one appeal or of all; ordered by appeal, place, language. */
export async function findReplacementCharacters(options: { appealId?: number } = {}): Promise<ReplacementFinding[]> {
  const db = getDb();
  const fffd = sql<string>`chr(65533)`;
  const appeals = await db
    .selectFrom("appeals")
    .select(["id", "slug", "status", "current_revision"])
    .$if(options.appealId !== undefined, (q) => q.where("id", "=", options.appealId ?? 0))
    .orderBy("id")
    .execute();
  if (!appeals.length) return [];
  const ids = appeals.map((a) => a.id);
  const [versions, revisions, addressees, updates] = await Promise.all([
    db
      .selectFrom("appeal_versions")
      .select(["appeal_id", "lang", "title", "summary", "body"])
      .where("appeal_id", "in", ids)
      .where(sql<boolean>`strpos(title || summary || body, ${fffd}) > 0`)
      .execute(),
    db
      .selectFrom("appeal_revisions as r")
      .innerJoin("appeals as a", (j) => j.onRef("a.id", "=", "r.appeal_id").onRef("a.current_revision", "=", "r.number"))
      .select(["r.appeal_id", "r.number", "r.content"])
      .where("r.appeal_id", "in", ids)
      .where(sql<boolean>`strpos(r.content::text, ${fffd}) > 0`)
      .execute(),
    // Few rows, human-written: read whole to number them as the dashboard lists them.
    db.selectFrom("addressees").select(["appeal_id", "translations"]).where("appeal_id", "in", ids).orderBy("position").orderBy("id").execute(),
    db.selectFrom("updates").select(["appeal_id", "content"]).where("appeal_id", "in", ids).orderBy("id").execute(),
  ]);

  const findings: ReplacementFinding[] = [];
  for (const appeal of appeals) {
    const open = appeal.status === "draft" || appeal.status === "published";
    const add = (source: TextSource, ref: number | null, places: Array<{ lang: string; field: TextField }>) => {
      for (const p of places) {
        findings.push({ appealId: appeal.id, slug: appeal.slug, status: appeal.status, source, ref, ...p, correctable: open && source !== "update" });
      }
    };
    for (const v of versions.filter((r) => r.appeal_id === appeal.id).sort((a, b) => a.lang.localeCompare(b.lang))) {
      add("text", null, inTexts({ [v.lang]: v }));
    }
    for (const r of revisions.filter((row) => row.appeal_id === appeal.id)) {
      add("revision", r.number, inTexts(r.content.versions));
      for (const addressee of r.content.addressees ?? []) add("revision", r.number, inTexts(addressee.translations));
    }
    for (const [i, a] of addressees.filter((row) => row.appeal_id === appeal.id).entries()) add("addressee", i + 1, inTexts(a.translations));
    for (const [i, u] of updates.filter((row) => row.appeal_id === appeal.id).entries()) add("update", i + 1, inTexts(u.content));
  }
  return findings;
}

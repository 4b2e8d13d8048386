import { sql } from "kysely";
import { diffLines, diffWords } from "diff";
import { getReadDb, type DB } from "../../db/client";
import { findAppealBySlug, latestRevision } from "../../db/queries/appeals";
import type { AddresseeText, RevisionContent, VersionText } from "../../db/schema";
import { isContentLang } from "../i18n";
import { renderMarkdown } from "../utils/markdown.server";
import { shortCache } from "../utils/short-cache.server";
import { pickLanguage } from "./public-appeal.server";

/*
 * "Read what was signed" (issue 17 item 5): every published revision of an appeal stays readable
 * at /appeals/:slug/revisions/:n, with what changed from the one before, word by word, per
 * language. Revisions are frozen (appeal_revisions), so a diff is computed from two stored
 * snapshots and never goes stale; the per-revision signature counts are the one moving part.
 *
 * Stale translations: each language version stores the original's text it was last saved against
 * (appeal_versions.basis); when the original's working copy differs from it, the translation has
 * not been updated since the original changed (staleTranslations below).
 */

/** A piece of a word diff: kept, inserted (<ins>) or deleted (<del>). */
export interface DiffPart {
  op: "same" | "ins" | "del";
  text: string;
}

/**
 * A word-level diff of two texts in `lang`, paragraph by paragraph: lines are matched first, and
 * words are compared within the lines that changed, so a change never runs across a paragraph
 * break. Words are cut by the platform's Unicode word segmentation for that language
 * (Intl.Segmenter): jsdiff's own tokenizer knows Latin letters only and would diff Cyrillic letter
 * by letter.
 */
export function textDiff(before: string, after: string, lang: string): DiffPart[] {
  if (before === after) return before ? [{ op: "same", text: before }] : [];
  const segmenter = new Intl.Segmenter(lang, { granularity: "word" });
  const parts: DiffPart[] = [];
  const push = (op: DiffPart["op"], text: string) => {
    const last = parts.at(-1);
    if (last && last.op === op) last.text += text;
    else if (text) parts.push({ op, text });
  };
  const lines = diffLines(before, after);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const next = lines[i + 1];
    if (!line) continue;
    if (line.removed && next?.added) {
      // The lines' common line break stays outside the change.
      const tail = line.value.endsWith("\n") && next.value.endsWith("\n") ? "\n" : "";
      const cut = (v: string) => v.slice(0, v.length - tail.length);
      for (const w of diffWords(cut(line.value), cut(next.value), { intlSegmenter: segmenter })) push(w.added ? "ins" : w.removed ? "del" : "same", w.value);
      push("same", tail);
      i++;
    } else push(line.added ? "ins" : line.removed ? "del" : "same", line.value);
  }
  return parts;
}

export function changed(parts: DiffPart[]): boolean {
  return parts.some((p) => p.op !== "same");
}

function sameText(a: VersionText, b: VersionText) {
  return a.title === b.title && a.summary === b.summary && a.body === b.body;
}

/**
 * The translations not updated since the original changed: their basis (the original's text when
 * they were last saved) is not the original's text now. Versions without a basis are not flagged.
 */
export function staleTranslations(originalLanguage: string, versions: Array<VersionText & { lang: string; basis: VersionText | null }>): string[] {
  const original = versions.find((v) => v.lang === originalLanguage);
  if (!original) return [];
  return versions.filter((v) => v.lang !== originalLanguage && v.basis && !sameText(v.basis, original)).map((v) => v.lang);
}

/** What changed in the original since a translation's basis: per field, for the translation's editor. */
export function originalChanges(basis: VersionText, original: VersionText, originalLanguage: string) {
  return {
    title: textDiff(basis.title, original.title, originalLanguage),
    summary: textDiff(basis.summary, original.summary, originalLanguage),
    body: textDiff(basis.body, original.body, originalLanguage),
  };
}

function addresseeLines(content: RevisionContent, lang: string, original: string) {
  const line = (t: Record<string, AddresseeText>) => {
    const own = t[lang];
    const fallback = t[original];
    const name = own?.name || fallback?.name || "";
    const position = own?.position || fallback?.position || "";
    const institution = own?.institution || fallback?.institution || "";
    return [name, position, institution].filter(Boolean).join(", ");
  };
  return content.addressees.map((a) => line(a.translations)).join("\n");
}

/** How many confirmed signatures were given under each revision (signatures.revision). */
async function signedPerRevision(db: DB, appealId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom("signatures")
    .select(["revision", sql<number>`count(*)::int`.as("n")])
    .where("appeal_id", "=", appealId)
    .where("status", "=", "confirmed")
    .groupBy("revision")
    .execute();
  return new Map(rows.map((r) => [r.revision, r.n]));
}

// The counts read every confirmed signature of the appeal (one index range): cached a minute per
// appeal, so the page costs at most one such read a minute however often it is opened.
const countCache = shortCache<Map<number, number>>(60_000, 500);

async function publishedAppeal(db: DB, slug: string) {
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) return null;
  const appeal = await findAppealBySlug(db, slug);
  if (!appeal || appeal.status === "draft" || appeal.current_revision < 1) return null;
  return appeal;
}

function orderLanguages(langs: string[], original: string) {
  return [original, ...langs.filter((l) => l !== original && isContentLang(l)).sort()];
}

export interface RevisionListView {
  slug: string;
  title: string;
  lang: string;
  originalLanguage: string;
  current: number;
  revisions: Array<{ number: number; date: string; note: string; signed: number }>;
}

/** The list of an appeal's published revisions, newest first; null for drafts and unknown slugs. */
export async function publicRevisionList(slug: string, requested: string | undefined, uiLang: string): Promise<RevisionListView | null> {
  const db = getReadDb();
  const appeal = await publishedAppeal(db, slug);
  if (!appeal) return null;
  const [rows, latest, counts] = await Promise.all([
    db
      .selectFrom("appeal_revisions")
      .select(["number", "change_note", "created_at"])
      .where("appeal_id", "=", appeal.id)
      .where("number", "<=", appeal.current_revision)
      .orderBy("number", "desc")
      .execute(),
    latestRevision(db, appeal.id, appeal.current_revision),
    countCache.get(String(appeal.id), () => signedPerRevision(db, appeal.id)),
  ]);
  if (!latest) return null;
  const languages = orderLanguages(Object.keys(latest.content.versions), appeal.original_language);
  const lang = pickLanguage(languages, appeal.original_language, requested, uiLang);
  return {
    slug: appeal.slug,
    title: latest.content.versions[lang]?.title ?? "",
    lang,
    originalLanguage: appeal.original_language,
    current: appeal.current_revision,
    revisions: rows.map((r) => ({ number: r.number, date: new Date(r.created_at).toISOString(), note: r.change_note, signed: counts.get(r.number) ?? 0 })),
  };
}

export interface RevisionView {
  slug: string;
  number: number;
  current: number;
  date: string;
  note: string;
  signed: number;
  originalLanguage: string;
  /** The languages this revision was published in, the original first. */
  languages: string[];
  lang: string;
  title: string;
  summary: string;
  bodyHtml: string;
  addressees: string[];
  /** What changed from revision number - 1 in this language; null for revision 1. */
  diff: null | {
    /** The language had no version in the revision before: nothing to compare with. */
    newLanguage: boolean;
    title: DiffPart[];
    summary: DiffPart[];
    body: DiffPart[];
    addressees: DiffPart[];
    /** Nothing changed in this language (the correction was in another one). */
    unchanged: boolean;
  };
}

/** Revision `number` of a published appeal as it was published, with its diff from the one before. */
export async function publicRevision(slug: string, number: number, requested: string | undefined, uiLang: string): Promise<RevisionView | null> {
  if (!Number.isSafeInteger(number) || number < 1) return null;
  const db = getReadDb();
  const appeal = await publishedAppeal(db, slug);
  if (!appeal || number > appeal.current_revision) return null;
  const [revision, previous, counts] = await Promise.all([
    latestRevision(db, appeal.id, number),
    number > 1 ? latestRevision(db, appeal.id, number - 1) : Promise.resolve(undefined),
    countCache.get(String(appeal.id), () => signedPerRevision(db, appeal.id)),
  ]);
  if (!revision) return null;
  const original = appeal.original_language;
  const languages = orderLanguages(Object.keys(revision.content.versions), original);
  const lang = pickLanguage(languages, original, requested, uiLang);
  const version = revision.content.versions[lang] ?? { title: "", summary: "", body: "" };
  const before = previous?.content.versions[lang];
  const addressees = addresseeLines(revision.content, lang, original);
  let diff: RevisionView["diff"] = null;
  if (previous) {
    const d = {
      title: textDiff(before?.title ?? "", version.title, lang),
      summary: textDiff(before?.summary ?? "", version.summary, lang),
      body: textDiff(before?.body ?? "", version.body, lang),
      addressees: textDiff(addresseeLines(previous.content, lang, original), addressees, lang),
    };
    diff = { newLanguage: !before, ...d, unchanged: ![d.title, d.summary, d.body, d.addressees].some(changed) };
  }
  return {
    slug: appeal.slug,
    number,
    current: appeal.current_revision,
    date: new Date(revision.created_at).toISOString(),
    note: revision.change_note,
    signed: counts.get(number) ?? 0,
    originalLanguage: original,
    languages,
    lang,
    title: version.title,
    summary: version.summary,
    bodyHtml: renderMarkdown(version.body),
    addressees: addressees ? addressees.split("\n") : [],
    diff,
  };
}

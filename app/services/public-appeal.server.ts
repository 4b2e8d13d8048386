import { getDb, getReadDb, type DB } from "../../db/client";
import { addresseesOf, attachmentsOf, confirmedCount, findAppealBySlug, latestRevision, revisionsOf, versionsOf } from "../../db/queries/appeals";
import type { AddresseeText, Appeal, AppealStatus, FieldMode, RevisionContent } from "../../db/schema";
import { isContentLang } from "../i18n";
import { renderMarkdown } from "../utils/markdown.server";
import { shortCache } from "../utils/short-cache.server";
import { z } from "zod";
import { publicSigners, type ListFrom, type ListKey } from "./signing.server";
import { effectiveStatus } from "./status";
import { updatesOf } from "./updates.server";
import { responseFrom } from "./responses.server";
import { revocations } from "./campaign.server";

export interface AppealView {
  id: number;
  slug: string;
  status: AppealStatus;
  organization: string;
  originalLanguage: string;
  languages: string[];
  lang: string;
  isTranslation: boolean;
  title: string;
  summary: string;
  bodyHtml: string;
  addressees: AddresseeText[];
  attachments: Array<{ id: number; filename: string; lang: string; size: number; contentType: string }>;
  revision: number;
  revisedAt: string | null;
  changes: Array<{ number: number; note: string; date: string }>;
  publishedAt: string | null;
  confirmed: number;
  goal: number | null;
  closesAt: string | null;
  fields: { city: FieldMode; country: FieldMode; organization: FieldMode; position: FieldMode };
  showPublicList: boolean;
  /** The minimal-data preset (issue 14 point 2): the sign form says what it means for the signer. */
  minimalData: boolean;
  acceptsSignatures: boolean;
  preview: boolean;
  updates: Array<{
    id: number;
    kind: "update" | "response";
    lang: string;
    title: string;
    body: string;
    date: string;
    /** A response recorded with its details (responses.server.ts): who answered, when, the letter as received. */
    response: { from: string; receivedOn: string; file: { id: number; filename: string; contentType: string; size: number } | null } | null;
  }>;
  revocations: Array<{ day: string; n: number }>;
}

export { effectiveStatus };

/** Picks the version to show: the one asked for, else the reader's language, else the original. */
export function pickLanguage(languages: string[], original: string, requested: string | undefined, uiLang: string) {
  if (requested && languages.includes(requested)) return requested;
  if (languages.includes(uiLang)) return uiLang;
  return original;
}

function orderLanguages(langs: string[], original: string) {
  return [original, ...langs.filter((l) => l !== original).sort()];
}

async function build(
  db: DB,
  appeal: Appeal,
  content: RevisionContent,
  organization: string,
  requested: string | undefined,
  uiLang: string,
  preview: boolean,
): Promise<AppealView> {
  const languages = orderLanguages(Object.keys(content.versions).filter(isContentLang), appeal.original_language);
  const lang = pickLanguage(languages, appeal.original_language, requested, uiLang);
  const version = content.versions[lang] ?? { title: "", summary: "", body: "" };
  const [attachments, revisions, confirmed, updates, revoked] = await Promise.all([
    attachmentsOf(db, appeal.id),
    revisionsOf(db, appeal.id),
    confirmedCount(db, appeal.id),
    preview ? Promise.resolve([]) : updatesOf(appeal.id, db),
    appeal.status === "delivered" ? revocations(appeal.id, db) : Promise.resolve([]),
  ]);
  const latest = revisions.at(-1);
  const status = effectiveStatus(appeal);
  return {
    id: appeal.id,
    slug: appeal.slug,
    status,
    organization,
    originalLanguage: appeal.original_language,
    languages,
    lang,
    isTranslation: lang !== appeal.original_language,
    title: version.title,
    summary: version.summary,
    bodyHtml: renderMarkdown(version.body),
    addressees: content.addressees.map((a) => {
      const t = a.translations[lang];
      const o = a.translations[appeal.original_language];
      return { name: t?.name || o?.name || "", position: t?.position || o?.position || "", institution: t?.institution || o?.institution || "" };
    }),
    attachments: attachments.map((f) => ({ id: f.id, filename: f.filename, lang: f.lang, size: f.size, contentType: f.content_type })),
    revision: appeal.current_revision,
    revisedAt: latest && latest.number > 1 ? new Date(latest.created_at).toISOString() : null,
    changes: revisions.filter((r) => r.number > 1).map((r) => ({ number: r.number, note: r.change_note, date: new Date(r.created_at).toISOString() })),
    publishedAt: appeal.published_at ? new Date(appeal.published_at).toISOString() : null,
    confirmed,
    goal: appeal.goal,
    closesAt: appeal.closes_at ? new Date(appeal.closes_at).toISOString() : null,
    fields: { city: appeal.field_city, country: appeal.field_country, organization: appeal.field_organization, position: appeal.field_position },
    showPublicList: appeal.show_public_list,
    minimalData: appeal.minimal_data,
    acceptsSignatures: status === "published" && !preview,
    preview,
    updates: updates.map((u) => {
      const l = u.content[lang] ? lang : u.content[appeal.original_language] ? appeal.original_language : (Object.keys(u.content)[0] ?? lang);
      return {
        id: u.id,
        kind: u.kind,
        lang: l,
        title: u.content[l]?.title ?? "",
        body: u.content[l]?.body ?? "",
        date: new Date(u.created_at).toISOString(),
        response:
          u.kind === "response" && u.received_on
            ? {
                from: responseFrom(u.addressee, lang, appeal.original_language),
                receivedOn: u.received_on,
                file:
                  u.file_id !== null && u.file_name !== null && u.file_type !== null && u.file_size !== null
                    ? { id: u.file_id, filename: u.file_name, contentType: u.file_type, size: u.file_size }
                    : null,
              }
            : null,
      };
    }),
    revocations: revoked,
  };
}

async function organizationName(db: DB, id: number) {
  const row = await db.selectFrom("organizations").select("name").where("id", "=", id).executeTakeFirst();
  return row?.name ?? "";
}

/**
 * The public page of a published (or closed, delivered) appeal; null for drafts and unknown slugs.
 * Read from the replica when READ_DATABASE_URL is set (getReadDb()): a public page may be a few
 * seconds behind, as its count already is.
 */
export async function publicAppeal(slug: string, requested: string | undefined, uiLang: string): Promise<AppealView | null> {
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) return null;
  const db = getReadDb();
  const appeal = await findAppealBySlug(db, slug);
  if (!appeal || appeal.status === "draft" || appeal.current_revision < 1) return null;
  const revision = await latestRevision(db, appeal.id, appeal.current_revision);
  if (!revision) return null;
  return build(db, appeal, revision.content, await organizationName(db, appeal.organization_id), requested, uiLang, false);
}

/** The working copy shown as the public page will look (organizers only; checked by the caller). */
export async function previewAppeal(appeal: Appeal, requested: string | undefined, uiLang: string): Promise<AppealView> {
  const db = getDb();
  const [versions, addressees] = await Promise.all([versionsOf(db, appeal.id), addresseesOf(db, appeal.id)]);
  const content: RevisionContent = {
    versions: Object.fromEntries(versions.map((v) => [v.lang, { title: v.title, summary: v.summary, body: v.body }])),
    addressees: addressees.map((a) => ({ id: a.id, email: a.email, translations: a.translations })),
  };
  return build(db, appeal, content, await organizationName(db, appeal.organization_id), requested, uiLang, true);
}

/** The JSON API's view (from the replica, as publicAppeal()). */
export async function apiAppeal(slug: string) {
  const view = await publicAppeal(slug, undefined, "en");
  if (!view) return null;
  const db = getReadDb();
  const appeal = await findAppealBySlug(db, slug);
  const revision = appeal ? await latestRevision(db, appeal.id, appeal.current_revision) : undefined;
  if (!revision) return null;
  return {
    slug: view.slug,
    status: view.status,
    originalLanguage: view.originalLanguage,
    languages: view.languages,
    versions: Object.fromEntries(
      view.languages.map((l) => [l, { title: revision.content.versions[l]?.title ?? "", summary: revision.content.versions[l]?.summary ?? "" }]),
    ),
    addressees: revision.content.addressees.map((a) => a.translations),
    goal: view.goal,
    closesAt: view.closesAt,
    revision: view.revision,
    signatures: { confirmed: view.confirmed },
  };
}

const viewCache = shortCache<AppealView | null>(2000);
const signerCache = shortCache<Awaited<ReturnType<typeof publicSigners>>>(2000);

/** publicAppeal() behind a 2-second cache: the page under a rush costs no query per view. */
export function cachedPublicAppeal(slug: string, requested: string | undefined, uiLang: string) {
  return viewCache.get(`${slug}|${requested ?? ""}|${uiLang}`, () => publicAppeal(slug, requested, uiLang));
}

export function cachedPublicSigners(appealId: number, from: ListFrom = { first: true }) {
  const place = "after" in from ? `a${from.after.at}/${from.after.id}` : "before" in from ? `b${from.before.at}/${from.before.id}` : "first";
  return signerCache.get(`${appealId}|${place}`, () => publicSigners(appealId, from, undefined, getReadDb()));
}

/**
 * Everything an appeal's public page shows from the database: its view and, if the list is
 * public, the page of signatories the address asks for (null view: no such public appeal). The
 * page's loader reads it, and so does the page cache's check of whether a kept copy is still
 * what the page would show (app/services/page-version.server.ts): one place, so the two agree.
 */
export async function appealPageData(slug: string, requested: string | undefined, uiLang: string, from: ListFrom = { first: true }) {
  const view = await cachedPublicAppeal(slug, requested, uiLang);
  const signers = view?.showPublicList ? await cachedPublicSigners(view.id, from) : null;
  return { view, signers };
}

/*
 * The public list's page links carry an opaque cursor (`?after=` / `?before=`): the base64url
 * of a signature's confirmation time and id. Anything else in those parameters (edited, cut,
 * a time that does not exist) reads as no cursor: the newest page, never an error.
 */
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const cursorSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .transform((raw) => Buffer.from(raw, "base64url").toString("utf8").split("~"))
  .pipe(
    z.tuple([
      z
        .string()
        .regex(ISO_MICROS)
        // A real instant between 2000 and 9999 (2026-02-30 is not one), as PostgreSQL reads it.
        .refine((at) => {
          const ms = Date.parse(at);
          return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 23) === at.slice(0, 23) && at >= "2000";
        }),
      z
        .string()
        .regex(/^[1-9]\d{0,15}$/)
        .transform(Number)
        .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER)),
    ]),
  )
  .transform(([at, id]): ListKey => ({ at, id }));

export function encodeListCursor(key: ListKey): string {
  return Buffer.from(`${key.at}~${key.id}`, "utf8").toString("base64url");
}

/** Which page of the public list a URL asks for: `?after=` (older) or `?before=` (newer); else the newest. */
export function listFromUrl(url: URL): ListFrom {
  for (const direction of ["after", "before"] as const) {
    const raw = url.searchParams.get(direction);
    if (raw === null) continue;
    const parsed = cursorSchema.safeParse(raw);
    if (!parsed.success) return { first: true };
    return direction === "after" ? { after: parsed.data } : { before: parsed.data };
  }
  return { first: true };
}

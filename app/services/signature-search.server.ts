import { sql } from "kysely";
import { getDb } from "../../db/client";
import type { Disclosure, SignatureStatus } from "../../db/schema";
import { AppError } from "../utils/errors";
import { appealForMember } from "./access.server";
import { emailLookups, open } from "./data-key.server";

/**
 * Finding one signature among many, for organizers (issue 17 item 4): to moderate it or to answer
 * a signer's request.
 *
 *  - By name or city: any part of it, case-insensitive (lower(x) LIKE '%part%', trigram-indexed
 *    where pg_trgm exists: db/migrations/2026-12-04T1400_signature_lists.ts). A hidden signer's
 *    name (disclosure "private") is sealed at rest and is not searched: such a signer is found by
 *    city or, by an owner, by address.
 *  - By e-mail address, owners only: the whole address, found through its keyed look-up hash
 *    (signatures.email_key, under every data key during a rotation), never by opening rows. Its
 *    form is sent by POST, so the address is in no URL, history or log line.
 *
 * Results are newest first, paged by key (the signature's id), SEARCH_PAGE at a time.
 */
export const SEARCH_PAGE = 25;

export type SearchBy = "text" | "email";
export type SearchFrom = { first: true } | { after: number } | { before: number };

export interface FoundSignature {
  id: number;
  name: string;
  city: string | null;
  country: string | null;
  disclosure: Disclosure;
  status: SignatureStatus;
  hidden: boolean;
  at: string;
  /** "web" or "paper" (entered from a paper sheet). */
  source: string;
}

export interface SearchResult {
  signatures: FoundSignature[];
  /** Keys to continue from: older results (next page), newer ones (previous page); null at either end. */
  older: number | null;
  newer: number | null;
}

/** What a query is: an address (has "@") or a part of a name or city. */
export function searchKind(query: string): SearchBy {
  return query.includes("@") ? "email" : "text";
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function searchSignatures(
  appealId: number,
  userId: number,
  rawQuery: string,
  from: SearchFrom = { first: true },
  perPage = SEARCH_PAGE,
): Promise<SearchResult> {
  const { appeal, role } = await appealForMember(appealId, userId);
  const query = rawQuery.normalize("NFC").trim().slice(0, 200);
  if (!query) return { signatures: [], older: null, newer: null };
  const by = searchKind(query);
  // Editors are told so on the form (no 403 page): nothing was looked up.
  if (by === "email" && role !== "owner") throw new AppError("bad_request", "search.ownersOnly", { field: "q" });
  const db = getDb();
  let q = db
    .selectFrom("signatures")
    .select(["id", "name", "city", "country", "disclosure", "status", "hidden", "created_at", "source"])
    .where("appeal_id", "=", appeal.id)
    .where("status", "in", ["pending", "confirmed", "withdrawn"]);
  if (by === "email") {
    q = q.where("email_key", "in", emailLookups(query));
  } else {
    const pattern = `%${escapeLike(query.toLocaleLowerCase())}%`;
    q = q.where((w) =>
      w.or([
        w.and([w("disclosure", "!=", "private"), w(sql`lower(name)`, "like", pattern)]),
        w.and([w("city", "is not", null), w(sql`lower(city)`, "like", pattern)]),
      ]),
    );
  }
  const before = "before" in from ? from.before : null;
  const after = "after" in from ? from.after : null;
  const rows =
    before !== null
      ? (
          await q
            .where("id", ">", before)
            .orderBy("id", "asc")
            .limit(perPage + 1)
            .execute()
        ).reverse()
      : await q
          .$if(after !== null, (w) => w.where("id", "<", after ?? 0))
          .orderBy("id", "desc")
          .limit(perPage + 1)
          .execute();
  // perPage + 1 rows: the extra one (the oldest, or for `before` the newest) says there is more that way.
  let shown = rows;
  let hasOlder: boolean;
  let hasNewer: boolean;
  if (before !== null) {
    hasNewer = rows.length > perPage;
    // Less than a page is newer than the key: that is the first page.
    if (!hasNewer) return searchSignatures(appealId, userId, rawQuery, { first: true }, perPage);
    shown = rows.slice(1);
    hasOlder = true;
  } else {
    hasOlder = rows.length > perPage;
    shown = rows.slice(0, perPage);
    hasNewer = after !== null && shown.length > 0 && Boolean(await q.select("id").where("id", ">", Number(shown[0]!.id)).limit(1).executeTakeFirst());
  }
  return {
    signatures: shown.map((r) => ({
      id: Number(r.id),
      // Organizers see a hidden signer's name (it is in the letter), as in the recent list.
      name: open(r.name, "name"),
      city: r.city,
      country: r.country,
      disclosure: r.disclosure,
      status: r.status,
      hidden: r.hidden,
      at: new Date(r.created_at).toISOString(),
      source: r.source,
    })),
    older: hasOlder && shown.length ? Number(shown.at(-1)!.id) : null,
    newer: hasNewer && shown.length ? Number(shown[0]!.id) : null,
  };
}

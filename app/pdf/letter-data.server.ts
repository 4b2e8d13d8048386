import crypto from "node:crypto";
import type pg from "pg";
import Cursor from "pg-cursor";
import type { RevisionContent } from "../../db/schema";
import type { LetterInput, LetterPart, LetterSignatory } from "./render.server";

/**
 * The data step of a letter (the drawing step is render.server.ts): what one letter snapshot
 * prints — its row, the appeal's text at the letter's revision, the count, and the confirmed
 * signatories streamed by cursor, once per language — and its digest over the revision text and
 * the ordered signatory list. Read through the caller's client, inside its REPEATABLE READ
 * transaction, so the count and the rows agree (app/services/letter-generate.server.ts).
 */

export const DIGEST_VERSION = "appeals-letter-v1";

const BATCH = 2000;

export interface LetterData {
  kind: "single" | "combined";
  /** One part per language (one for a single letter); each streams the signatories when drawn. */
  parts: LetterPart[];
  /** The confirmed signatories the letter holds. */
  count: number;
  /** The letter's digest, hex; complete once the first part's rows have been read. */
  digest: () => string;
}

type Row = {
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  confirmed_at: Date;
  revision: number;
};

async function* signatoryRows(client: pg.ClientBase, appealId: number, onRow: (row: LetterSignatory) => void): AsyncGenerator<LetterSignatory> {
  const cursor = client.query(
    new Cursor<Row>(
      `SELECT name, city, country, organization, position, confirmed_at, revision FROM signatures
       WHERE appeal_id = $1 AND status = 'confirmed' ORDER BY confirmed_at, id`,
      [appealId],
    ),
  );
  try {
    for (;;) {
      const rows = await cursor.read(BATCH);
      if (rows.length === 0) break;
      for (const r of rows) {
        const row: LetterSignatory = {
          name: r.name,
          city: r.city,
          country: r.country,
          organization: r.organization,
          position: r.position,
          confirmedAt: r.confirmed_at,
          revision: r.revision,
        };
        onRow(row);
        yield row;
      }
    }
  } finally {
    await cursor.close();
  }
}

export function verifyUrl(appUrl: string, code: string) {
  return `${appUrl}/verify/${code}`;
}

/** The text part of the digest: what the letter says and to whom, in the order printed. */
function digestHeader(hash: crypto.Hash, slug: string, revision: number, langs: string[], content: RevisionContent) {
  hash.update(`${DIGEST_VERSION}\n${slug}\n${revision}\n${langs.join(",")}\n`);
  for (const lang of langs) {
    hash.update(`${JSON.stringify(content.versions[lang] ?? null)}\n`);
    hash.update(`${JSON.stringify(content.addressees.map((a) => a.translations[lang] ?? null))}\n`);
  }
}

function digestRow(hash: crypto.Hash, r: LetterSignatory) {
  hash.update(`${JSON.stringify([r.name, r.city, r.country, r.organization, r.position, r.confirmedAt.toISOString(), r.revision])}\n`);
}

/**
 * Loads letter `letterId` for drawing. `onRow` is called for every signatory row streamed (once
 * per part), for progress.
 */
export async function loadLetterData(client: pg.ClientBase, letterId: number, appUrl: string, onRow: () => void = () => undefined): Promise<LetterData> {
  const letter = (
    await client.query<{ appeal_id: number; code: string; lang: string; kind: "single" | "combined"; revision: number; created_at: Date }>(
      "SELECT appeal_id, code, lang, kind, revision, created_at FROM letters WHERE id = $1",
      [letterId],
    )
  ).rows[0];
  if (!letter) throw new Error(`letter ${letterId} does not exist`);
  const appeal = (
    await client.query<{ slug: string; original_language: string; organization: string; content: RevisionContent }>(
      `SELECT a.slug, a.original_language, o.name AS organization, r.content
       FROM appeals a JOIN organizations o ON o.id = a.organization_id
       JOIN appeal_revisions r ON r.appeal_id = a.id AND r.number = $2 WHERE a.id = $1`,
      [letter.appeal_id, letter.revision],
    )
  ).rows[0];
  if (!appeal) throw new Error("the appeal or its revision is gone");
  const count = Number(
    (await client.query<{ n: string }>("SELECT count(*) AS n FROM signatures WHERE appeal_id = $1 AND status = 'confirmed'", [letter.appeal_id])).rows[0]?.n ??
      0,
  );
  const langs =
    letter.kind === "combined"
      ? [
          appeal.original_language,
          ...Object.keys(appeal.content.versions)
            .filter((l) => l !== appeal.original_language)
            .sort(),
        ]
      : [letter.lang];
  const digest = crypto.createHash("sha256");
  digestHeader(digest, appeal.slug, letter.revision, langs, appeal.content);

  const inputFor = (lang: string): LetterInput => {
    const version = appeal.content.versions[lang] ?? { title: "", summary: "", body: "" };
    return {
      lang,
      originalLanguage: appeal.original_language,
      organization: appeal.organization,
      generatedAt: new Date(letter.created_at),
      snapshotId: letter.code,
      title: version.title,
      bodyMarkdown: version.body,
      addressees: appeal.content.addressees.map((a) => {
        const t = a.translations[lang] ?? a.translations[appeal.original_language];
        return { name: t?.name ?? "", position: t?.position ?? "", institution: t?.institution ?? "" };
      }),
      revision: letter.revision,
      appealUrl: `${appUrl}/appeals/${appeal.slug}?lang=${lang}`,
      verificationCode: letter.code,
      verifyUrl: verifyUrl(appUrl, letter.code),
      count,
    };
  };

  // Rows are streamed once per language; the digest takes them from the first pass only.
  const parts: LetterPart[] = langs.map((lang, index) => ({
    input: inputFor(lang),
    rows: () =>
      signatoryRows(client, letter.appeal_id, (row) => {
        if (index === 0) digestRow(digest, row);
        onRow();
      }),
  }));
  return { kind: letter.kind, parts, count, digest: () => digest.digest("hex") };
}

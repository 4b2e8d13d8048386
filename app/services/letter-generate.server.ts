import crypto from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import Cursor from "pg-cursor";
import type { RevisionContent } from "../../db/schema";
import { renderCombined, renderLetter, type LetterInput, type LetterPart, type LetterSignatory } from "../pdf/render.server";

/**
 * Generating one letter (a snapshot): read the appeal and its confirmed signatories inside one
 * REPEATABLE READ transaction (so the count and the rows agree), stream rows by cursor into the
 * PDF renderer, stream the PDF to a temporary file while hashing it, and compute the letter's
 * digest over the revision text and the ordered signatory list. Only a complete file is renamed
 * into place; any failure (a full disk included) removes the temporary file.
 *
 * Runs in a worker thread (server/letter-worker.ts) for the app, and directly for the CLI.
 */

export interface GenerateJob {
  databaseUrl: string;
  letterId: number;
  outputPath: string;
  appUrl: string;
}

export interface GenerateResult {
  count: number;
  pages: number;
  digest: string;
  fileSha256: string;
  size: number;
  flaggedNames: string[];
}

const BATCH = 2000;
export const DIGEST_VERSION = "appeals-letter-v1";

type Row = { name: string; city: string | null; country: string | null; organization: string | null; position: string | null; confirmed_at: Date; revision: number };

async function* signatoryRows(client: pg.Client, appealId: number, onRow: (row: LetterSignatory) => void): AsyncGenerator<LetterSignatory> {
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
        const row: LetterSignatory = { name: r.name, city: r.city, country: r.country, organization: r.organization, position: r.position, confirmedAt: r.confirmed_at, revision: r.revision };
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
 * The file a letter is written to until it is complete: `<output>.<pid>.<random>.part`, renamed
 * to `<output>` at the end. A generation stopped from outside (its worker thread terminated at
 * the time limit, its process killed) cannot remove it itself; see removePartialFiles.
 */
function partialPath(outputPath: string): string {
  return `${outputPath}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.part`;
}

const PARTIAL = /^(.+)\.\d+\.[0-9a-f]{8}\.part$/;

const errorCode = (error: unknown) => (error instanceof Error && "code" in error ? error.code : undefined);

/** The partial files in `dir`, each with the name of the file it was becoming. */
export async function partialFilesIn(dir: string): Promise<Array<{ path: string; output: string }>> {
  const names = await fs.readdir(dir).catch((error: unknown) => {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  });
  return names.flatMap((name) => {
    const match = PARTIAL.exec(name);
    return match ? [{ path: path.join(dir, name), output: match[1]! }] : [];
  });
}

/** Removes one partial file; false if it was already gone. */
export async function removePartialFile(file: string): Promise<boolean> {
  try {
    await fs.rm(file);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
}

/** Removes the partial files of `outputPath` (call only while no one is generating it). */
export async function removePartialFiles(outputPath: string): Promise<number> {
  const mine = (await partialFilesIn(path.dirname(outputPath))).filter((f) => f.output === path.basename(outputPath));
  await Promise.all(mine.map((f) => fs.rm(f.path, { force: true })));
  return mine.length;
}

export async function generateLetter(job: GenerateJob, onProgress: (fraction: number) => void = () => undefined): Promise<GenerateResult> {
  const client = new pg.Client({ connectionString: job.databaseUrl });
  // A connection lost mid-letter (PostgreSQL restarted) fails the query in flight, which fails
  // the letter cleanly; unlistened, the client's 'error' event would end the whole process.
  client.on("error", () => undefined);
  await client.connect();
  const temp = partialPath(job.outputPath);
  let output: { stream: Transform; written: Promise<void> } | null = null;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const letter = (
      await client.query<{ appeal_id: number; code: string; lang: string; kind: string; revision: number; created_at: Date }>(
        "SELECT appeal_id, code, lang, kind, revision, created_at FROM letters WHERE id = $1",
        [job.letterId],
      )
    ).rows[0];
    if (!letter) throw new Error(`letter ${job.letterId} does not exist`);
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
      (await client.query<{ n: string }>("SELECT count(*) AS n FROM signatures WHERE appeal_id = $1 AND status = 'confirmed'", [letter.appeal_id])).rows[0]?.n ?? 0,
    );
    const langs =
      letter.kind === "combined"
        ? [appeal.original_language, ...Object.keys(appeal.content.versions).filter((l) => l !== appeal.original_language).sort()]
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
        appealUrl: `${job.appUrl}/appeals/${appeal.slug}?lang=${lang}`,
        verificationCode: letter.code,
        verifyUrl: verifyUrl(job.appUrl, letter.code),
        count,
      };
    };

    // Rows are streamed once per language; the digest takes them from the first pass only.
    let seen = 0;
    const total = Math.max(1, count * langs.length);
    let lastReport = 0;
    const progress = () => {
      seen++;
      if (seen - lastReport >= 5000) {
        lastReport = seen;
        onProgress(Math.min(0.99, seen / total));
      }
    };
    const parts: LetterPart[] = langs.map((lang, index) => ({
      input: inputFor(lang),
      rows: () =>
        signatoryRows(client, letter.appeal_id, (row) => {
          if (index === 0) digestRow(digest, row);
          progress();
        }),
    }));

    await fs.mkdir(path.dirname(job.outputPath), { recursive: true });
    const fileHash = crypto.createHash("sha256");
    let size = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        fileHash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    // pipeline, not pipe: a write error (a full disk) destroys the hasher too, which stops the
    // renderer at its next page instead of leaving it waiting for a 'drain' that never comes.
    // `flush` fsyncs before close, so a disk that fails late still fails here, before the rename.
    const written = pipeline(hasher, createWriteStream(temp, { flush: true }));
    written.catch(() => undefined); // awaited below; an early failure must not go unhandled
    output = { stream: hasher, written };
    const result =
      letter.kind === "combined"
        ? await renderCombined(parts, hasher)
        : await renderLetter(parts[0]!.input, parts[0]!.rows(), hasher);
    await written;
    await client.query("COMMIT");
    await fs.rename(temp, job.outputPath);
    onProgress(1);
    return { count, pages: result.pages, digest: digest.digest("hex"), fileSha256: fileHash.digest("hex"), size, flaggedNames: result.flaggedNames };
  } catch (error) {
    // Any failure (the database too): close the file before removing it, so nothing is left open.
    if (output) {
      output.stream.destroy();
      await output.written.catch(() => undefined);
    }
    await fs.rm(temp, { force: true });
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

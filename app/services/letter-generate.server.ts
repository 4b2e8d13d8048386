import crypto from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { loadLetterData, type LetterConsistency } from "../pdf/letter-data.server";
import { renderCombined, renderLetter, type RenderOptions } from "../pdf/render.server";
import { signPdfFile } from "../pdf/sign.server";
import { httpTimestamper } from "../pdf/timestamp.server";
import { env } from "../utils/env.server";
import { keyring, keyringFrom } from "./data-key.server";
import { letterSigningIdentity, type ActiveIdentity } from "./signing-identity.server";

/**
 * Generating one letter (a snapshot), the "generate" step of the letter pipeline
 * (letter-pipeline.server.ts): inside one REPEATABLE READ transaction (so the count and the rows
 * agree), the data step (app/pdf/letter-data.server.ts: the text, the signatories by cursor, the
 * digest) feeds the drawing step (app/pdf/render.server.ts), whose PDF streams to a temporary
 * file. Only a complete file is renamed into place; any failure (a full disk
 * included) removes the temporary file.
 *
 * Every letter is PAdES-signed by its organization (signLetterFile below): the renderer reserves
 * the signature, and once the temporary file is complete and fsynced it is signed in place; the
 * facts recorded (SHA-256, size) are the signed file's.
 *
 * Runs in a worker thread (server/letter-worker.ts) for the app, and directly for the CLI.
 */

export interface GenerateJob {
  databaseUrl: string;
  letterId: number;
  outputPath: string;
  appUrl: string;
  /**
   * SIGNING_KEY_SECRET, to decrypt the organization's signing key here (in the worker thread it
   * travels in memory with the job, never in a row or a log); default: this thread's env().
   */
  signingSecret?: string;
  /**
   * DATA_KEY and DATA_KEY_PREVIOUS (base64), to open hidden signers' names sealed at rest; they
   * travel with the job like signingSecret. Default: this thread's keyring().
   */
  dataKeys?: { current: string; previous: string[] };
}

export interface GenerateResult {
  count: number;
  pages: number;
  digest: string;
  fileSha256: string;
  size: number;
  flaggedNames: string[];
  /** The SHA-256 fingerprint ("AB:CD:…") of the certificate the letter is signed with. */
  signerFingerprint: string;
  /** The signatory ledger the letter holds: its size and root (hex), and proofs that it extends earlier letters' trees. */
  treeSize?: number;
  treeRoot?: string;
  consistency?: LetterConsistency[];
}

/** What the renderer reserves for the signature: the organization signs, at the letter's time, with its code as the reason. */
function signatureOptions(input: { organization: string; generatedAt: Date; verificationCode: string; verifyUrl: string }): RenderOptions {
  return { signature: { signedAt: input.generatedAt, name: input.organization, reason: `Verification code ${input.verificationCode}: ${input.verifyUrl}` } };
}

/** Signs the complete temporary file in place (PAdES B-B, B-T with TSA_URL); its SHA-256 and size are the signed file's. */
async function signLetterFile(file: string, signer: ActiveIdentity): Promise<{ fileSha256: string; size: number }> {
  const tsa = env().TSA_URL;
  const signed = await signPdfFile(file, signer.identity, { timestamp: tsa ? httpTimestamper(tsa) : undefined });
  return { fileSha256: signed.fileSha256, size: (await fs.stat(file)).size };
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
  // With it, the folder of the files it was embedding (ledger.csv, signatories.csv), if left.
  await fs.rm(`${file}.files`, { recursive: true, force: true });
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
  await Promise.all(mine.flatMap((f) => [fs.rm(f.path, { force: true }), fs.rm(`${f.path}.files`, { recursive: true, force: true })]));
  return mine.length;
}

export async function generateLetter(job: GenerateJob, onProgress: (fraction: number) => void = () => undefined): Promise<GenerateResult> {
  const client = new pg.Client({ connectionString: job.databaseUrl });
  // A connection lost mid-letter (PostgreSQL restarted) fails the query in flight, which fails
  // the letter cleanly; unlistened, the client's 'error' event would end the whole process.
  client.on("error", () => undefined);
  await client.connect();
  const temp = partialPath(job.outputPath);
  // The files the letter embeds (ledger.csv, signatories.csv), beside the partial file, removed at the end.
  const filesDir = `${temp}.files`;
  let output: { stream: PassThrough; written: Promise<void> } | null = null;
  let closeFiles: () => void = () => undefined;
  try {
    await fs.mkdir(path.dirname(job.outputPath), { recursive: true });
    await fs.mkdir(filesDir);
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const signer = await letterSigningIdentity(client, job.letterId, job.signingSecret ?? env().SIGNING_KEY_SECRET);
    // Rows are streamed once per language: progress counts every row of every part.
    let seen = 0;
    let total = 1;
    let lastReport = 0;
    const letter = await loadLetterData(
      client,
      job.letterId,
      job.appUrl,
      () => {
        seen++;
        if (seen - lastReport >= 5000) {
          lastReport = seen;
          onProgress(Math.min(0.99, seen / total));
        }
      },
      { filesDir, ring: job.dataKeys ? keyringFrom(job.dataKeys.current, job.dataKeys.previous) : keyring() },
    );
    closeFiles = letter.close;
    total = Math.max(1, letter.count * letter.parts.length);

    // The file is hashed when it is signed (signLetterFile), not here: these are the unsigned bytes.
    const pdf = new PassThrough();
    // pipeline, not pipe: a write error (a full disk) destroys the PDF stream too, which stops the
    // renderer at its next page instead of leaving it waiting for a 'drain' that never comes.
    // `flush` fsyncs before close, so a disk that fails late still fails here, before the rename.
    const written = pipeline(pdf, createWriteStream(temp, { flush: true }));
    written.catch(() => undefined); // awaited below; an early failure must not go unhandled
    output = { stream: pdf, written };
    const options: RenderOptions = { ...signatureOptions(letter.parts[0]!.input), attachments: letter.attachments };
    const result =
      letter.kind === "combined"
        ? await renderCombined(letter.parts, pdf, options)
        : await renderLetter(letter.parts[0]!.input, letter.parts[0]!.rows(), pdf, options);
    await written;
    const signed = await signLetterFile(temp, signer);
    await client.query("COMMIT");
    await fs.rename(temp, job.outputPath);
    onProgress(1);
    return {
      count: letter.count,
      pages: result.pages,
      digest: letter.digest(),
      ...signed,
      flaggedNames: result.flaggedNames,
      signerFingerprint: signer.fingerprint,
      treeSize: letter.ledger.size,
      treeRoot: letter.ledger.root,
      consistency: letter.consistency,
    };
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
    closeFiles();
    await fs.rm(filesDir, { recursive: true, force: true });
    await client.end().catch(() => undefined);
  }
}

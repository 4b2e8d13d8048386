import { PassThrough, type Readable } from "node:stream";
import { stringify } from "csv-stringify";
import pg from "pg";
import Cursor from "pg-cursor";
import { databaseUrl, getDb } from "../../db/client";
import { AppError } from "../utils/errors";
import { appealForMember } from "./access.server";
import { keyring, open, openNullable } from "./data-key.server";

/** Spreadsheets run a cell starting with = + - @ (or tab/CR) as a formula: prefix it with '. */
export function neutralise(value: string | null): string {
  if (value === null) return "";
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Downloads of signatures (CSV, the letters' ZIP) that one organizer may run at once. Each holds
 * a database connection or open files while its client reads; a client that stops reading holds
 * them too, so a user's extra download is refused with a message instead of queued.
 */
export const DOWNLOADS_PER_USER = 2;
/** And all organizers together, per process: each CSV holds a connection of its own, outside the pool. */
export const DOWNLOADS_PER_PROCESS = 16;
const running = new Map<number, number>();
let runningTotal = 0;

/**
 * Takes one of `userId`'s download slots; the returned release frees it once. Another download of
 * this user's already running, or as many in this process as it takes: AppError "busy" (answered,
 * not queued), with the message to show.
 */
export function exportSlot(userId: number): () => void {
  const now = running.get(userId) ?? 0;
  if (now >= DOWNLOADS_PER_USER) throw new AppError("busy", "export.busy");
  if (runningTotal >= DOWNLOADS_PER_PROCESS) throw new AppError("busy", "export.serverBusy");
  running.set(userId, now + 1);
  runningTotal++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    runningTotal--;
    const left = (running.get(userId) ?? 1) - 1;
    if (left > 0) running.set(userId, left);
    else running.delete(userId);
  };
}

/** Rows written between two returns to the event loop (see the export loop). */
const YIELD_EVERY_ROWS = 250;

/** A download whose client takes no bytes for this long is ended (its query with it). */
const STALLED_MS = 5 * 60_000;

// "source": web (the sign form) or paper (entered by an organizer from a paper sheet; never an address).
const HEADER = ["name", "city", "country", "organization", "position", "disclosure", "revision", "confirmed_at", "email", "source"];

type Row = {
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  disclosure: string;
  revision: number;
  confirmed_at: Date;
  email: string | null;
  source: string;
};

/**
 * The CSV of confirmed signatures (UTF-8 with BOM so spreadsheets read Cyrillic), streamed
 * from a cursor so a million rows take bounded memory. The e-mail column holds an address
 * only for signers who asked to be kept informed; the export and its stated purpose are recorded.
 * The next rows are read only as the client takes the previous ones; when the stream is
 * destroyed (the client left, or stalled for STALLED_MS) the cursor and its connection are
 * closed, and the user's download slot (exportSlot) is given back.
 */
export async function exportCsv(appealId: number, userId: number, purpose: string): Promise<{ filename: string; stream: Readable }> {
  const release = exportSlot(userId);
  try {
    return await startCsv(appealId, userId, purpose, release);
  } catch (error) {
    release();
    throw error;
  }
}

async function startCsv(appealId: number, userId: number, purpose: string, release: () => void): Promise<{ filename: string; stream: Readable }> {
  const { appeal } = await appealForMember(appealId, userId);
  if (!appeal.slug) throw new AppError("not_found");
  const db = getDb();
  const any = await db.selectFrom("signatures").select("id").where("appeal_id", "=", appeal.id).where("status", "=", "confirmed").limit(1).executeTakeFirst();
  if (!any) throw new AppError("empty", "export.empty");
  await db.insertInto("exports").values({ appeal_id: appeal.id, user_id: userId, purpose, with_emails: true }).execute();

  const client = new pg.Client({ connectionString: databaseUrl() });
  const out = new PassThrough();
  // A connection lost mid-export fails the download; unhandled, it would stop the process.
  client.on("error", (error) => out.destroy(error));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  const csv = stringify({ header: true, columns: HEADER, bom: true });
  // Addresses and hidden signers' names are sealed at rest: opened here, row by row.
  const ring = keyring();
  csv.pipe(out);
  const cursor = client.query(
    new Cursor<Row>(
      `SELECT name, city, country, organization, position, disclosure, revision, confirmed_at,
              CASE WHEN keep_informed THEN email END AS email, source
       FROM signatures WHERE appeal_id = $1 AND status = 'confirmed' ORDER BY confirmed_at, id`,
      [appeal.id],
    ),
  );
  let closed = false;
  out.on("close", () => {
    // Read to the end or abandoned: the slot is free again.
    release();
    closed = true;
    csv.emit("drain");
  });
  (async () => {
    try {
      while (!closed) {
        const rows = await cursor.read(2000);
        if (!rows.length) break;
        for (const [i, r] of rows.entries()) {
          // The download was abandoned: stop here, or the wait for 'drain' below never ends
          // and the connection stays open for good.
          if (closed) break;
          // Let other requests in: while the client's socket takes bytes, rows, CSV and the
          // response pass each other by promises alone, which never return to the event loop's
          // I/O phase — the first megabytes of a download stalled every other request for
          // 200–450 ms (a CPU profile of `BENCH_ATTACKS_ONLY=a npm run bench:attacks`).
          if (i % YIELD_EVERY_ROWS === 0) await new Promise((resolve) => setImmediate(resolve));
          const ok = csv.write([
            neutralise(open(r.name, "name", ring)),
            neutralise(r.city),
            r.country ?? "",
            neutralise(r.organization),
            neutralise(r.position),
            r.disclosure,
            r.revision,
            r.confirmed_at.toISOString(),
            neutralise(openNullable(r.email, "email", ring)),
            r.source,
          ]);
          if (!ok && !closed) await drained(csv, out);
        }
      }
      csv.end();
    } catch (error) {
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    } finally {
      await cursor.close().catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  })();
  return { filename: `${appeal.slug}-signatures.csv`, stream: out };
}

/** Waits for `csv` to take more rows; a client that takes nothing for STALLED_MS ends the download. */
function drained(csv: NodeJS.EventEmitter, out: Readable): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      out.destroy();
      resolve();
    }, STALLED_MS);
    timer.unref();
    csv.once("drain", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

import { PassThrough, type Readable } from "node:stream";
import { stringify } from "csv-stringify";
import pg from "pg";
import Cursor from "pg-cursor";
import { databaseUrl, getDb } from "../../db/client";
import { AppError } from "../utils/errors";
import { appealForMember } from "./access.server";

export class ExportEmpty extends Error {
  constructor() {
    super("export.empty");
  }
}

/** Spreadsheets run a cell starting with = + - @ (or tab/CR) as a formula: prefix it with '. */
export function neutralise(value: string | null): string {
  if (value === null) return "";
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const HEADER = ["name", "city", "country", "organization", "position", "disclosure", "revision", "confirmed_at", "email"];

type Row = { name: string; city: string | null; country: string | null; organization: string | null; position: string | null; disclosure: string; revision: number; confirmed_at: Date; email: string | null };

/**
 * The CSV of confirmed signatures (UTF-8 with BOM so spreadsheets read Cyrillic), streamed
 * from a cursor so a million rows take bounded memory. The e-mail column holds an address
 * only for signers who asked to be kept informed; the export and its stated purpose are recorded.
 */
export async function exportCsv(appealId: number, userId: number, purpose: string): Promise<{ filename: string; stream: Readable }> {
  const { appeal } = await appealForMember(appealId, userId);
  const db = getDb();
  const any = await db.selectFrom("signatures").select("id").where("appeal_id", "=", appeal.id).where("status", "=", "confirmed").limit(1).executeTakeFirst();
  if (!any) throw new ExportEmpty();
  await db.insertInto("exports").values({ appeal_id: appeal.id, user_id: userId, purpose, with_emails: true }).execute();

  const client = new pg.Client({ connectionString: databaseUrl() });
  const out = new PassThrough();
  // A connection lost mid-export fails the download; unhandled, it would stop the process.
  client.on("error", (error) => out.destroy(error));
  await client.connect();
  const csv = stringify({ header: true, columns: HEADER, bom: true });
  csv.pipe(out);
  const cursor = client.query(
    new Cursor<Row>(
      `SELECT name, city, country, organization, position, disclosure, revision, confirmed_at,
              CASE WHEN keep_informed THEN email END AS email
       FROM signatures WHERE appeal_id = $1 AND status = 'confirmed' ORDER BY confirmed_at, id`,
      [appeal.id],
    ),
  );
  let closed = false;
  out.on("close", () => {
    closed = true;
    csv.emit("drain");
  });
  (async () => {
    try {
      while (!closed) {
        const rows = await cursor.read(2000);
        if (!rows.length) break;
        for (const r of rows) {
          // The download was abandoned: stop here, or the wait for 'drain' below never ends
          // and the connection stays open for good.
          if (closed) break;
          const ok = csv.write([neutralise(r.name), neutralise(r.city), r.country ?? "", neutralise(r.organization), neutralise(r.position), r.disclosure, r.revision, r.confirmed_at.toISOString(), neutralise(r.email)]);
          if (!ok && !closed) await new Promise((resolve) => csv.once("drain", resolve));
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
  if (!appeal.slug) throw new AppError("not_found");
  return { filename: `${appeal.slug}-signatures.csv`, stream: out };
}

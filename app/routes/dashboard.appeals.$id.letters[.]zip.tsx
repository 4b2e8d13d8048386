import { PassThrough, type Readable } from "node:stream";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable, redirect } from "@remix-run/node";
import { ZipFile } from "yazl";
import { exportSlot } from "~/services/export.server";
import { letterFileName, zipContents } from "~/services/letters.server";
import { requireUser } from "~/services/session.server";
import { readFileStream } from "~/services/storage.server";
import { loaderError } from "~/utils/action-errors.server";
import { env } from "~/utils/env.server";
import { AppError, messageKeyOf } from "~/utils/errors";

/**
 * All languages at once: the per-language PDFs, the attachments, and a short manifest. Files are
 * read only as fast as the client takes the archive; when the client leaves, the open file and
 * the archive are closed. It counts as one of the organizer's downloads (exportSlot); a third
 * at once goes back to the letters page with a message.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  let release: () => void;
  try {
    release = exportSlot(user.id);
  } catch (error) {
    if (error instanceof AppError && error.code === "busy") throw redirect(`/dashboard/appeals/${Number(params.id)}/letters?zipError=${messageKeyOf(error)}`);
    throw error;
  }
  const ids = (new URL(request.url).searchParams.get("ids") ?? "")
    .split(",")
    .map(Number)
    .filter((n) => Number.isSafeInteger(n) && n > 0)
    .slice(0, 50);
  try {
    const { appeal, letters, attachments } = await zipContents(Number(params.id), user.id, ids);
    const zip = new ZipFile();
    const base = env().APP_URL;
    // The same names in the manifest and in the archive (the id keeps two same-named files apart).
    const attachmentPath = (a: (typeof attachments)[number]) => `attachments/${a.lang}/${a.id}-${a.filename}`;
    const manifest = [
      `Appeal: ${base}/appeals/${appeal.slug}`,
      `Files: one PDF per language (a combined one holds all languages), each verifiable at ${base}/verify/<code>`,
      "",
      ...letters.map((l) =>
        [
          letterFileName(appeal.slug, l),
          `  language: ${l.kind === "combined" ? `combined, all languages (${l.languages.join(", ")})` : l.lang}`,
          `  revision: ${l.revision}`,
          `  signatories: ${l.count}`,
          `  generated: ${new Date(l.created_at).toISOString()}`,
          `  verification code: ${l.code} (${base}/verify/${l.code})`,
          `  digest (sha-256): ${l.digest}`,
          `  file sha-256: ${l.file_sha256}`,
        ].join("\n"),
      ),
      "",
      ...(attachments.length ? ["Supporting documents:", ...attachments.map((a) => `  ${attachmentPath(a)} (sha-256 ${a.sha256})`)] : []),
      "",
    ].join("\n");
    const mtime = new Date(letters[0]?.created_at ?? Date.now());
    zip.addBuffer(Buffer.from(manifest, "utf8"), "MANIFEST.txt", { mtime });
    // Each file is opened when the archive reaches it, and kept track of until it is read.
    const open = new Set<Readable>();
    const file = (key: string) => (cb: (error: Error | null, stream: Readable) => void) => {
      const stream = readFileStream(key);
      open.add(stream);
      stream.once("close", () => open.delete(stream));
      cb(null, stream);
    };
    for (const l of letters) if (l.storage_key) zip.addReadStreamLazy(letterFileName(appeal.slug, l), { mtime, compress: false }, file(l.storage_key));
    for (const a of attachments) zip.addReadStreamLazy(attachmentPath(a), { mtime: new Date(a.created_at), compress: false }, file(a.storage_key));
    zip.end();
    const out = new PassThrough();
    // A file that cannot be read fails the download (unhandled, yazl's error would stop the process).
    zip.on("error", (error: Error) => out.destroy(error));
    out.once("close", () => {
      // Read to the end, failed, or abandoned by the client: close what is still open.
      for (const stream of open) stream.destroy();
      if ("destroy" in zip.outputStream && typeof zip.outputStream.destroy === "function") zip.outputStream.destroy();
      release();
    });
    zip.outputStream.pipe(out);
    return new Response(createReadableStreamFromReadable(out), {
      headers: {
        "Content-Type": "application/zip",
        "Content-Disposition": `attachment; filename="${appeal.slug}-letters.zip"`,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    release();
    return loaderError(error);
  }
}

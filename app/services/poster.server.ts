import crypto from "node:crypto";
import { PassThrough } from "node:stream";
import { renderPoster, type PosterInput } from "../pdf/poster.server";
import { shortCache } from "../utils/short-cache.server";

/**
 * Posters kept a minute per drawn input (a poster takes ~60 ms of the event loop to draw; a link
 * shared to a chat is opened by many at once), at most 100 of them: the answer's own max-age.
 */
const posters = shortCache<Buffer>(60_000, 100);

export function posterPdf(input: PosterInput): Promise<Buffer> {
  const key = crypto.createHash("sha256").update(JSON.stringify(input)).digest("base64url");
  return posters.get(key, async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (chunk: Buffer) => chunks.push(chunk));
    await renderPoster(input, out);
    return Buffer.concat(chunks);
  });
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { letterForSignedDownload } from "~/services/letters.server";
import { encryptedLetterForSignedDownload } from "~/services/openpgp-keys.server";
import { readFileStream } from "~/services/storage.server";
import { AppError } from "~/utils/errors";

/** The link sent to addressees when a letter is too large to attach (signed; not guessable). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const sig = url.searchParams.get("sig") ?? "";
  // An addressee with an OpenPGP key was sent `?for=<addressee>&sig=…`: only the encrypted letter.
  const forAddressee = url.searchParams.get("for");
  if (forAddressee !== null) return encryptedResponse(params.code ?? "", forAddressee, sig);
  const file = await letterForSignedDownload(params.code ?? "", sig);
  if (!file) throw new Response(null, { status: 404 });
  return new Response(createReadableStreamFromReadable(readFileStream(file.storage_key)), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="letter-${file.lang}-${file.code}.pdf"`,
      "Cache-Control": "private, no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
}

async function encryptedResponse(code: string, addresseeId: string, sig: string) {
  const download = await encryptedLetterForSignedDownload(code, addresseeId, sig).catch((error: unknown) => {
    // A key that expired or was revoked since: the link no longer gives anything.
    if (error instanceof AppError) return null;
    throw error;
  });
  if (!download) throw new Response(null, { status: 404 });
  return new Response(download.body, {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="${download.filename}"`,
      "Cache-Control": "private, no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { letterForSignedDownload } from "~/services/letters.server";
import { readFileStream } from "~/services/storage.server";

/** The link sent to addressees when a letter is too large to attach (signed; not guessable). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const sig = new URL(request.url).searchParams.get("sig") ?? "";
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

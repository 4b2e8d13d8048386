import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { letterFile, letterFileName } from "~/services/letters.server";
import { encryptedLetterForMember } from "~/services/openpgp-keys.server";
import { requireUser } from "~/services/session.server";
import { readFileStream } from "~/services/storage.server";
import { loaderError } from "~/utils/action-errors.server";
import { idOf } from "~/utils/forms";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    // `?for=<addressee>`: the letter encrypted (as it is read) to that addressee's OpenPGP key and the organization's.
    const forAddressee = new URL(request.url).searchParams.get("for");
    if (forAddressee !== null) {
      const download = await encryptedLetterForMember(Number(params.id), user.id, idOf(params.letterId), idOf(forAddressee));
      return new Response(download.body, {
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Disposition": `attachment; filename="${download.filename}"`,
          "Cache-Control": "private, no-store",
        },
      });
    }
    const file = await letterFile(Number(params.id), user.id, idOf(params.letterId));
    const name = letterFileName(file.slug, file);
    return new Response(createReadableStreamFromReadable(readFileStream(file.storage_key)), {
      headers: {
        "Content-Type": "application/pdf",
        "Content-Length": String(file.size ?? ""),
        "Content-Disposition": `attachment; filename="${name}"`,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    return loaderError(error);
  }
}

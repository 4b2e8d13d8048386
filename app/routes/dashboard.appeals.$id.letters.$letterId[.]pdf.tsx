import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { letterFile, letterFileName } from "~/services/letters.server";
import { requireUser } from "~/services/session.server";
import { readFileStream } from "~/services/storage.server";
import { loaderError } from "~/utils/action-errors.server";
import { idOf } from "~/utils/forms";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
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

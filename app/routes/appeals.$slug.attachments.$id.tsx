import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { publicAttachment } from "~/services/attachments.server";
import { readFileStream } from "~/services/storage.server";
import { currentUser } from "~/services/session.server";
import { isMemberOf } from "~/services/access.server";

/** Downloads a supporting document: public once the appeal is published; organizers see drafts'. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const file = await publicAttachment(params.slug ?? "", Number(params.id));
  if (!file) throw new Response(null, { status: 404 });
  if (file.status === "draft") {
    const user = await currentUser(request);
    if (!user || !(await isMemberOf(file.organization_id, user.id))) throw new Response(null, { status: 404 });
  }
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, "_").replace(/"/g, "");
  return new Response(createReadableStreamFromReadable(readFileStream(file.storage_key)), {
    headers: {
      "Content-Type": file.content_type,
      "Content-Length": String(file.size),
      "Content-Disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      // A draft's document is private: never in a shared cache, where anyone could get it.
      "Cache-Control": file.status === "draft" ? "private, no-store" : "public, max-age=3600",
    },
  });
}

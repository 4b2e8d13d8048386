import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable, redirect } from "@remix-run/node";
import { z } from "zod";
import { requiredText } from "~/schemas/common";
import { ExportEmpty, exportCsv } from "~/services/export.server";
import { requireUser } from "~/services/session.server";
import { loaderError } from "~/utils/action-errors.server";

const exportSchema = z.object({ purpose: requiredText(500) });

/** The CSV export (GET with the stated purpose, so the browser downloads it without JavaScript). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const back = `/dashboard/appeals/${id}/signatures`;
  const parsed = exportSchema.safeParse({ purpose: new URL(request.url).searchParams.get("purpose") ?? "" });
  if (!parsed.success) throw redirect(`${back}?exportError=${encodeURIComponent(parsed.error.issues[0]?.message ?? "form.required")}#export-h`);
  try {
    const { filename, stream } = await exportCsv(id, user.id, parsed.data.purpose);
    return new Response(createReadableStreamFromReadable(stream), {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "private, no-store" },
    });
  } catch (error) {
    if (error instanceof ExportEmpty) throw redirect(`${back}?exportError=export.empty#export-h`);
    return loaderError(error);
  }
}

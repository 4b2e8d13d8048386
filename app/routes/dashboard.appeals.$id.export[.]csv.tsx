import type { ActionFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable, redirect } from "@remix-run/node";
import { z } from "zod";
import { requiredText } from "~/schemas/common";
import { exportCsv } from "~/services/export.server";
import { requireUser } from "~/services/session.server";
import { loaderError } from "~/utils/action-errors.server";
import { AppError, messageKeyOf } from "~/utils/errors";

const exportSchema = z.object({ purpose: requiredText(500) });

/**
 * The CSV export: a POST with the stated purpose (a plain form, so the browser downloads it
 * without JavaScript), behind the CSRF check like every request that releases data. There is no
 * GET: a page elsewhere cannot make an organizer's browser export with a purpose of its choosing.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const back = `/dashboard/appeals/${id}/signatures`;
  const form = await request.formData();
  const parsed = exportSchema.safeParse({ purpose: form.get("purpose") ?? "" });
  if (!parsed.success) throw redirect(`${back}?exportError=${encodeURIComponent(parsed.error.issues[0]?.message ?? "form.required")}#export-h`, 303);
  try {
    const { filename, stream } = await exportCsv(id, user.id, parsed.data.purpose);
    return new Response(createReadableStreamFromReadable(stream), {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "private, no-store" },
    });
  } catch (error) {
    // Nothing to export yet, or every download slot taken: back to the page, with the message.
    if (error instanceof AppError && (error.code === "empty" || error.code === "busy"))
      throw redirect(`${back}?exportError=${messageKeyOf(error)}#export-h`, 303);
    return loaderError(error);
  }
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { sheetPdf } from "~/services/paper.server";
import { requireUser } from "~/services/session.server";
import { loaderError } from "~/utils/action-errors.server";
import { requestLanguage } from "~/utils/lang.server";

/** The printable signature sheet of an appeal's version `lang` (members only; app/pdf/sheet.server.ts). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const lang = params.lang ?? "";
    if (!/^[a-z]{2,3}$/.test(lang)) throw new Response(null, { status: 404 });
    const { pdf, filename } = await sheetPdf(Number(params.id), user.id, lang, requestLanguage(request).lang);
    return new Response(new Uint8Array(pdf), {
      headers: {
        "Content-Type": "application/pdf",
        "Content-Disposition": `inline; filename="${filename}"`,
        "Content-Length": String(pdf.length),
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    if (error instanceof Response) throw error;
    return loaderError(error);
  }
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { posterPdf } from "~/services/poster.server";
import { posterSummary, spreadAppeal } from "~/services/spread.server";

/** An A4 poster of the appeal with a QR code to its sign page (?lang= picks the version; by default the original). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { view, t, rtl, signUrl, vary } = await spreadAppeal(request, params.slug ?? "", { originalByDefault: true });
  const pdf = await posterPdf({
    lang: view.lang,
    rtl,
    organization: view.organization,
    title: view.title,
    summary: posterSummary(view),
    signUrl,
    scan: t.t("spread.scan"),
    orOpen: t.t("spread.orOpen"),
    date: new Date(view.revisedAt ?? view.publishedAt ?? 0),
  });
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `inline; filename="poster-${view.slug}-${view.lang}.pdf"`,
      "Content-Length": String(pdf.length),
      "Cache-Control": "public, max-age=60, s-maxage=60",
      ...(vary ? { Vary: vary } : {}),
    },
  });
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { cachedShareImage } from "~/services/share-image.server";
import { countText, spreadAppeal } from "~/services/spread.server";
import { env } from "~/utils/env.server";

/** The appeal's share image (og:image of its page): 1200 × 630, drawn per count bucket and kept in memory. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { view, t, rtl, vary } = await spreadAppeal(request, params.slug ?? "");
  const image = await cachedShareImage(view.id, {
    title: view.title,
    organization: view.organization,
    // Rounded down to two significant digits: an image per count bucket, not per signature.
    count: countText(t, view.confirmed, false),
    host: new URL(env().APP_URL).host,
    lang: view.lang,
    rtl,
  });
  const headers: Record<string, string> = {
    "Content-Type": "image/png",
    // Link previews fetch it once; the count in it moves by bucket only.
    "Cache-Control": "public, max-age=300, s-maxage=300, stale-while-revalidate=600",
    "Cross-Origin-Resource-Policy": "cross-origin",
    ETag: image.etag,
    "X-Cache": image.hit ? "hit" : "miss",
    ...(vary ? { Vary: vary } : {}),
  };
  if (request.headers.get("If-None-Match") === image.etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(image.png), { headers });
}

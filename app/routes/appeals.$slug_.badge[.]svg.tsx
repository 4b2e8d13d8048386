import type { LoaderFunctionArgs } from "@remix-run/node";
import { badgeSvg } from "~/services/badge.server";
import { countText, spreadAppeal } from "~/services/spread.server";
import { PUBLIC_CACHE_CONTROL } from "~/utils/headers";

/** The embeddable counter as an image: `<a href="…"><img src="/appeals/:slug/badge.svg?lang=ru"></a>` on a partner's site. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { view, t, rtl, vary } = await spreadAppeal(request, params.slug ?? "");
  const svg = badgeSvg({ title: view.title, count: countText(t, view.confirmed), lang: view.lang, rtl });
  return new Response(svg, {
    headers: {
      "Content-Type": "image/svg+xml; charset=utf-8",
      // Counts are a few seconds stale by design, as on the appeal page.
      "Cache-Control": PUBLIC_CACHE_CONTROL,
      // Partners' pages show it: another origin may load it (no credentials are involved).
      "Cross-Origin-Resource-Policy": "cross-origin",
      ...(vary ? { Vary: vary } : {}),
    },
  });
}

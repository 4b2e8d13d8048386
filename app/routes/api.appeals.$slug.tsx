import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { apiAppeal } from "~/services/public-appeal.server";
import { READ_ONLY_CORS } from "~/utils/cors";
import { PUBLIC_CACHE_CONTROL } from "~/utils/headers";

/** Read only: GET and HEAD here; OPTIONS and every other method are answered by server/methods.ts. */
export const handle = { cors: READ_ONLY_CORS };

/** Read-only JSON for embeds and integrations; CORS is open for reading. */
export async function loader({ params }: LoaderFunctionArgs) {
  const body = await apiAppeal(params.slug ?? "");
  if (!body) return json({ error: "not_found" }, { status: 404, headers: READ_ONLY_CORS });
  return json(body, { headers: { ...READ_ONLY_CORS, "Cache-Control": PUBLIC_CACHE_CONTROL } });
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { apiAppeal } from "~/services/public-appeal.server";

const CORS = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, OPTIONS", "Access-Control-Allow-Headers": "Content-Type" };

/** Read-only JSON for embeds and integrations; CORS is open for reading. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
  const body = await apiAppeal(params.slug ?? "");
  if (!body) return json({ error: "not_found" }, { status: 404, headers: CORS });
  return json(body, { headers: { ...CORS, "Cache-Control": "public, max-age=5, stale-while-revalidate=30" } });
}

export async function action() {
  return new Response(null, { status: 204, headers: CORS });
}

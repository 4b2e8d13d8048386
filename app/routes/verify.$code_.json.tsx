import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { verification } from "~/services/letters.server";

/**
 * /verify/<code>/json: the facts /verify/<code> shows, machine-readable (for `npm run verify` and
 * anyone else): the letter's ledger size and root, the earlier letters it extends with their
 * consistency proofs (hex) and whether each checked, the revocation list and the net count.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const info = await verification(params.code ?? "");
  if (!info) return json({ error: "not_found" }, { status: 404, headers: { "Cache-Control": "no-store" } });
  return json(info, { headers: { "Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*" } });
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { revocationsResponse, signedRevocations } from "~/services/revocations.server";

/**
 * /verify/<code>/revocations: the letter's revocation list as the organization signed it (UTF-8
 * text, every revoked leaf: index and day, no names; docs/verification.md §5). Its signature is
 * /verify/<code>/revocations.p7s.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return revocationsResponse(request, await signedRevocations(params.code ?? ""), "statement");
}

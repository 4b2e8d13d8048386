import type { LoaderFunctionArgs } from "@remix-run/node";
import { revocationsResponse, signedRevocations } from "~/services/revocations.server";

/**
 * /verify/<code>/revocations.p7s: the detached CMS (CAdES) signature, DER, by the organization's
 * active signing certificate, over the exact bytes of /verify/<code>/revocations.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return revocationsResponse(request, await signedRevocations(params.code ?? ""), "signature");
}

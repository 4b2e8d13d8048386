import type { LoaderFunctionArgs } from "@remix-run/node";
import { atomFeed } from "~/services/feeds.server";
import { requestLanguage } from "~/utils/lang.server";

/**
 * The appeal's public updates as an Atom feed (RFC 4287), in the version `?lang=` names (else
 * the reader's language when the appeal has it, else its original): what the page shows under
 * "Updates", for feed readers. Only public text: titles, bodies, dates, the organization's name.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  const xml = await atomFeed(params.slug ?? "", negotiated.requested, negotiated.lang);
  if (xml === null) throw new Response(null, { status: 404 });
  return new Response(xml, {
    headers: {
      "Content-Type": "application/atom+xml; charset=utf-8",
      "Cache-Control": "public, max-age=300",
      // Without ?lang= the version follows the reader's language: a cache in front must keep one per language.
      ...(negotiated.requested ? {} : { Vary: "Cookie, Accept-Language" }),
    },
  });
}

import { negotiateLanguage, langCookie, type Negotiated } from "~/i18n/negotiate";
import { translator } from "~/i18n";

/** The language of this request, per ?lang=, the cookie, then Accept-Language. */
export function requestLanguage(request: Request): Negotiated {
  return negotiateLanguage(new URL(request.url), request.headers.get("Cookie"), request.headers.get("Accept-Language"));
}

export function requestTranslator(request: Request) {
  return translator(requestLanguage(request).lang);
}

export { langCookie };

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useParams } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { cachedPublicAppeal } from "~/services/public-appeal.server";
import { env } from "~/utils/env.server";
import { requestLanguage } from "~/utils/lang.server";
import { errorTitleMeta, titleMeta } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches, error }) =>
  data ? [...titleMeta(matches, "sent.title"), { name: "robots", content: "noindex" }] : errorTitleMeta(matches, error);

/** Only an appeal that exists (and is public) has a "check your e-mail" page; any other slug is a 404. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  const view = await cachedPublicAppeal(params.slug ?? "", negotiated.requested, negotiated.lang);
  if (!view) throw new Response(null, { status: 404 });
  // The same rounding as the e-mail's "the link works for N days".
  return json({ days: Math.max(1, Math.round(env().SIGNATURE_TOKEN_TTL_HOURS / 24)) });
}

/** "Check your e-mail": the same page whatever the address was (no enumeration). */
export default function Sent() {
  const { t, plural } = useT();
  const { days } = useLoaderData<typeof loader>();
  const { slug } = useParams();
  return (
    <div className="narrow">
      <h1>{t("sent.title")}</h1>
      <p className="notice" role="status">
        {t("sent.text")} {plural("sent.linkDays", days)}
      </p>
      <p className="hint">{t("sent.noMail")}</p>
      <p>
        <Link to={`/appeals/${slug}`}>{t("sent.back")}</Link>
      </p>
    </div>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { justConfirmed } from "~/services/confirmed-flash.server";
import { cachedPublicAppeal } from "~/services/public-appeal.server";
import { confirmedCountBySlug } from "~/services/signing.server";
import { env } from "~/utils/env.server";
import { requestLanguage } from "~/utils/lang.server";
import { errorTitleMeta, titleMeta } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ matches, data, error }) =>
  data ? [...titleMeta(matches, data.confirmed ? "confirm.title" : "thanks.title"), { name: "robots", content: "noindex" }] : errorTitleMeta(matches, error);

/**
 * Where a confirmation lands (POST, then redirect here): thanks, the count, and the link to share.
 * It says "your signature is confirmed" only to the browser that has just confirmed (a signed
 * cookie set by the confirmation, see confirmed-flash.server.ts); anyone else reads how signing works.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  const view = await cachedPublicAppeal(params.slug ?? "", negotiated.requested, negotiated.lang);
  if (!view) throw new Response(null, { status: 404 });
  const count = (await confirmedCountBySlug(view.slug)) ?? view.confirmed;
  const confirmed = justConfirmed(request.headers.get("Cookie"), view.slug);
  return json(
    { slug: view.slug, title: view.title, lang: view.lang, count, confirmed, shareUrl: `${env().APP_URL}/appeals/${view.slug}` },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export default function Thanks() {
  const { slug, title, lang, count, confirmed, shareUrl } = useLoaderData<typeof loader>();
  const { t, plural } = useT();
  return (
    <div className="narrow">
      <h1>{t(confirmed ? "confirm.title" : "thanks.title")}</h1>
      {confirmed ? (
        <p className="notice" role="status">
          {t("confirm.done")}
        </p>
      ) : (
        <p>{t("thanks.neutral")}</p>
      )}
      <p>{t("confirm.countNow", { count: plural("home.signatures", count) })}</p>
      <p>
        {t("confirm.share")}{" "}
        <Link to={`/appeals/${slug}`} lang={lang}>
          {title}
        </Link>
      </p>
      <p>
        <label htmlFor="share-url">{t("appeal.shareLink")}</label>
        <input id="share-url" type="url" readOnly value={shareUrl} />
      </p>
    </div>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { isRtlLang } from "~/i18n";
import { useT } from "~/i18n/react";
import { publicRevisionList } from "~/services/revisions.server";
import { PUBLIC_CACHE_CONTROL, publicPageHeaders } from "~/utils/headers";
import { requestLanguage } from "~/utils/lang.server";
import { errorTitleMeta, metaLang } from "~/utils/meta";
import { translator } from "~/i18n";

/** Every published revision of an appeal, newest first (issue 17 item 5, "Read what was signed"). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  const list = await publicRevisionList(params.slug ?? "", negotiated.requested, negotiated.lang);
  if (!list) throw new Response(null, { status: 404 });
  return json({ list }, { headers: { "Cache-Control": PUBLIC_CACHE_CONTROL } });
}

export const headers = publicPageHeaders;

export const meta: MetaFunction<typeof loader> = ({ data, matches, error }) => {
  if (!data) return errorTitleMeta(matches, error);
  const { t } = translator(metaLang(matches));
  return [{ title: `${t("revisions.title")}: ${data.list.title} · ${t("app.name")}` }, { name: "robots", content: "noindex" }];
};

export default function RevisionList() {
  const { list } = useLoaderData<typeof loader>();
  const { t, plural, date } = useT();
  const base = `/appeals/${list.slug}`;
  const query = `?lang=${list.lang}`;
  return (
    <div className="narrow">
      <p className="hint">
        <a href={`${base}${query}`}>{t("revisions.back")}</a>
      </p>
      <h1>
        {t("revisions.title")}:{" "}
        <bdi lang={list.lang} dir={isRtlLang(list.lang) ? "rtl" : undefined}>
          {list.title}
        </bdi>
      </h1>
      <p>{t("revisions.intro")}</p>
      <ul className="revision-list">
        {list.revisions.map((r) => (
          <li key={r.number}>
            <a href={`${base}/revisions/${r.number}${query}`}>{t("revisions.number", { revision: r.number })}</a>
            {r.number === list.current ? <strong> ({t("revisions.current")})</strong> : null} · {t("revisions.publishedOn", { date: date(r.date) })} ·{" "}
            {plural("revisions.signed", r.signed)}
            {r.note ? (
              <>
                <br />
                {t("revisions.note")}: <span lang={list.originalLanguage}>{r.note}</span>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

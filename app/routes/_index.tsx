import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { translator, isRtlLang, isUiLang } from "~/i18n";
import { homeAppeals } from "~/services/home.server";
import { PUBLIC_CACHE_CONTROL, publicPageHeaders } from "~/utils/headers";
import { requestLanguage } from "~/utils/lang.server";

export const meta: MetaFunction = ({ matches }) => {
  const root = matches.find((m) => m.id === "root")?.data as { lang?: string } | undefined;
  const { t } = translator(isUiLang(root?.lang) ? root.lang : "en");
  return [{ title: `${t("home.title")} · ${t("app.name")}` }, { name: "description", content: t("app.tagline") }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const { lang } = requestLanguage(request);
  // All the page shows from the database: the page cache keeps its copy while this is unchanged
  // (app/services/page-version.server.ts).
  const { open, finished } = await homeAppeals(lang);
  return json({ open, finished }, { headers: { "Cache-Control": PUBLIC_CACHE_CONTROL } });
}

export const headers = publicPageHeaders;

type Listed = ReturnType<typeof useLoaderData<typeof loader>>["open"][number];

function AppealCards({ appeals }: { appeals: Listed[] }) {
  const { t, plural } = useT();
  return (
    <ul className="appeal-list">
      {appeals.map((appeal) => (
        <li key={appeal.slug} className="appeal-card">
          <h3 lang={appeal.lang} dir={isRtlLang(appeal.lang) ? "rtl" : undefined}>
            <Link to={`/appeals/${appeal.slug}`}>{appeal.title}</Link>
          </h3>
          {appeal.summary ? (
            <p lang={appeal.lang} dir={isRtlLang(appeal.lang) ? "rtl" : undefined}>
              {appeal.summary}
            </p>
          ) : null}
          <p className="meta">
            <span className={`badge badge-${appeal.status}`}>{t(`status.${appeal.status}`)}</span> <span>{plural("home.signatures", appeal.confirmed)}</span>
          </p>
        </li>
      ))}
    </ul>
  );
}

export default function Home() {
  const { open, finished } = useLoaderData<typeof loader>();
  const { t } = useT();
  return (
    <>
      <h1>{t("home.title")}</h1>
      <p className="lead">{t("home.intro")}</p>
      {open.length === 0 && finished.length === 0 ? (
        <div className="empty-state">
          <p>{t("home.empty")}</p>
          <p>{t("home.emptyHint")}</p>
        </div>
      ) : (
        <>
          {/* Open appeals first, under their own heading; delivered and closed ones after, apart. */}
          <section aria-labelledby="open-h">
            <h2 id="open-h">{t("home.openHeading")}</h2>
            {open.length === 0 ? <p>{t("home.noneOpen")}</p> : <AppealCards appeals={open} />}
          </section>
          {finished.length > 0 ? (
            <section aria-labelledby="finished-h">
              <h2 id="finished-h">{t("home.finishedHeading")}</h2>
              <AppealCards appeals={finished} />
            </section>
          ) : null}
        </>
      )}
    </>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData, useLocation, useRouteLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { ReplacementNotice } from "~/components/replacement-notice";
import { useT } from "~/i18n/react";
import { editorView } from "~/services/appeals.server";
import { requireUser } from "~/services/session.server";
import { findReplacementCharacters } from "~/services/text-check.server";
import { loaderError } from "~/utils/action-errors.server";
import { env } from "~/utils/env.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const view = await editorView(Number(params.id), user.id);
    const lostCharacters = await findReplacementCharacters({ appealId: view.appeal.id });
    // The public address, for the snippets a partner's site embeds (components/share-snippets.tsx).
    return json({ ...view, lostCharacters, appUrl: env().APP_URL }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return loaderError(error);
  }
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  // No data on the 403/404 page: keep the root's title for the error, never an empty <title>.
  if (!data) return matches.find((m) => m.id === "root")?.meta ?? [];
  const original = data.versions.find((v) => v.lang === data.appeal.original_language);
  return [{ title: original?.title || data.appeal.slug }];
};

/** The editor's data, for the tabs below this layout. */
export function useEditor() {
  const data = useRouteLoaderData<typeof loader>("routes/dashboard.appeals.$id");
  if (!data) throw new Error("useEditor outside the appeal editor");
  return data;
}

export default function AppealEditorLayout() {
  const { appeal, versions, lostCharacters } = useLoaderData<typeof loader>();
  const { t } = useT();
  const base = `/dashboard/appeals/${appeal.id}`;
  const { pathname } = useLocation();
  const original = versions.find((v) => v.lang === appeal.original_language);
  return (
    <>
      <p className="hint">
        <a href="/dashboard">{t("dash.title")}</a> /
      </p>
      <h1>
        {/* An isolate: an Arabic or Persian title neither reorders nor drags the badge after it. */}
        <bdi>{original?.title || appeal.slug}</bdi> <span className={`badge badge-${appeal.status}`}>{t(`status.${appeal.status}`)}</span>
      </h1>
      <nav aria-label={t("dash.overview")} className="tabs">
        <ul className="inline-list">
          <li>
            <NavLink end to={base}>
              {t("dash.overview")}
            </NavLink>
          </li>
          <li>
            {/* Active on the text of any language, not only the original's. */}
            <NavLink
              to={`${base}/text/${appeal.original_language}`}
              className={({ isActive }) => (isActive || pathname.startsWith(`${base}/text/`) ? "active" : undefined)}
            >
              {t("dash.text")}
            </NavLink>
          </li>
          <li>
            <NavLink to={`${base}/addressees`}>{t("dash.addressees")}</NavLink>
          </li>
          <li>
            <NavLink to={`${base}/attachments`}>{t("dash.attachments")}</NavLink>
          </li>
          <li>
            <NavLink to={`${base}/settings`}>{t("dash.settings")}</NavLink>
          </li>
          <li>
            <NavLink to={`${base}/preview`}>{t("dash.preview")}</NavLink>
          </li>
          {appeal.status !== "draft" ? (
            <li>
              <NavLink to={`${base}/signatures`}>{t("camp.tab")}</NavLink>
            </li>
          ) : null}
          {appeal.status !== "draft" ? (
            <li>
              <NavLink to={`${base}/paper`}>{t("paper.tab")}</NavLink>
            </li>
          ) : null}
          {appeal.status !== "draft" ? (
            <li>
              <NavLink to={`${base}/updates`}>{t("updates.tab")}</NavLink>
            </li>
          ) : null}
          {appeal.status !== "draft" ? (
            <li>
              <NavLink to={`${base}/responses`}>{t("responses.tab")}</NavLink>
            </li>
          ) : null}
          {appeal.status !== "draft" ? (
            <li>
              <NavLink to={`${base}/letters`}>{t("letters.title")}</NavLink>
            </li>
          ) : null}
          {appeal.status !== "draft" ? (
            <li>
              <a href={`/appeals/${appeal.slug}`}>{t("dash.publicPage")}</a>
            </li>
          ) : null}
        </ul>
      </nav>
      <ReplacementNotice findings={lostCharacters} />
      <Outlet />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

import type { MetaFunction } from "@remix-run/node";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { translator, isUiLang } from "~/i18n";

/** Any unknown path: a 404 page in the user's language, inside the normal layout. */
export async function loader() {
  throw new Response(null, { status: 404 });
}

export const meta: MetaFunction = ({ matches }) => {
  const root = matches.find((m) => m.id === "root")?.data as { lang?: unknown } | undefined;
  const { t } = translator(isUiLang(root?.lang) ? root.lang : "en");
  return [{ title: `${t("error.404.title")} · ${t("app.name")}` }];
};

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

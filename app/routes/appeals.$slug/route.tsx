import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AppealPage } from "~/components/appeal-page";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { publicAppeal } from "~/services/public-appeal.server";
import { env } from "~/utils/env.server";
import { requestLanguage } from "~/utils/lang.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  const view = await publicAppeal(params.slug ?? "", negotiated.requested, negotiated.lang);
  if (!view) throw new Response(null, { status: 404 });
  const base = `${env().APP_URL}/appeals/${view.slug}`;
  return json(
    { view, pageUrl: `${base}?lang=${view.lang}`, base, alternates: view.languages.map((l) => ({ lang: l, href: `${base}?lang=${l}` })) },
    { headers: { "Cache-Control": "private, max-age=5, stale-while-revalidate=30" } },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [];
  const { view, pageUrl } = data;
  return [
    { title: view.title },
    { name: "description", content: view.summary },
    { tagName: "link", rel: "canonical", href: pageUrl },
    ...data.alternates.map((a) => ({ tagName: "link", rel: "alternate", hrefLang: a.lang, href: a.href })),
    { property: "og:type", content: "article" },
    { property: "og:title", content: view.title },
    { property: "og:description", content: view.summary },
    { property: "og:url", content: pageUrl },
    { property: "og:locale", content: view.lang },
    { property: "og:site_name", content: view.organization },
    { name: "twitter:card", content: "summary" },
    { name: "twitter:title", content: view.title },
    { name: "twitter:description", content: view.summary },
  ];
};

export default function AppealRoute() {
  const { view, pageUrl } = useLoaderData<typeof loader>();
  return <AppealPage view={view} pageUrl={pageUrl} basePath={`/appeals/${view.slug}`} />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

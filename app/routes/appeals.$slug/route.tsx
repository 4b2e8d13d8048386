import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { AppealPage } from "~/components/appeal-page";
import { countryName, countryOptions } from "~/data/countries";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { isContentLang, OG_LOCALES, translator } from "~/i18n";
import { useT } from "~/i18n/react";
import { formStamp } from "~/services/abuse.server";
import { appealPageData, encodeListCursor, listFromUrl } from "~/services/public-appeal.server";
import { submitSignature } from "~/services/sign-form.server";
import { shareImageAlt } from "~/services/spread.server";
import { PUBLIC_LIST_PAGE } from "~/services/signing.server";
import { env } from "~/utils/env.server";
import { formFields, formValues } from "~/utils/forms";
import { PUBLIC_CACHE_CONTROL, publicPageHeaders } from "~/utils/headers";
import { errorTitleMeta, metaLang } from "~/utils/meta";
import { requestLanguage } from "~/utils/lang.server";
import { Signatories } from "./signatories";
import { SignForm } from "./sign-form";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  const url = new URL(request.url);
  // What the page shows from the database, all of it from here: the page cache keeps its copy
  // while this is unchanged (app/services/page-version.server.ts).
  const { view, signers } = await appealPageData(params.slug ?? "", negotiated.requested, negotiated.lang, listFromUrl(url));
  if (!view) throw new Response(null, { status: 404 });
  // Old offset links (`?page=N`, before the list was paged by key): the newest page. Offsets
  // moved with every new signature anyway, and a deep one cost a scan of everything above it.
  if (url.searchParams.has("page")) {
    url.searchParams.delete("page");
    throw redirect(`${url.pathname}${url.search}#signers-h`, 301);
  }
  // Country names and dates are formatted here, not in the browser: a browser without the
  // language's locale data (Kazakh, often) would render other text than the server did.
  const { date } = translator(negotiated.lang);
  const list = signers
    ? {
        older: signers.older ? encodeListCursor(signers.older) : null,
        newer: signers.newer ? encodeListCursor(signers.newer) : null,
        page: signers.page,
        pages: signers.pages,
        perPage: PUBLIC_LIST_PAGE,
        signers: signers.signers.map((s) => ({
          name: s.name,
          city: s.city || null,
          country: s.country ? countryName(s.country, negotiated.lang) : null,
          date: date(s.at, "short"),
          paper: s.paper,
        })),
      }
    : null;
  const countries = view.acceptsSignatures && view.fields.country !== "off" ? countryOptions(negotiated.lang) : [];
  const base = `${env().APP_URL}/appeals/${view.slug}`;
  return json(
    {
      view,
      list,
      countries,
      stamp: formStamp(),
      pageUrl: `${base}?lang=${view.lang}`,
      // Title, organization and count, drawn per count bucket (appeals.$slug_.og[.]png.tsx).
      shareImage: `${base}/og.png?lang=${view.lang}`,
      shareImageAlt: shareImageAlt(view, negotiated.lang),
      feedUrl: `${base}/updates.atom?lang=${view.lang}`,
      alternates: view.languages.map((l) => ({ lang: l, href: `${base}?lang=${l}` })),
    },
    // Counts are folded every 2 s; a few seconds of caching costs nothing in accuracy.
    { headers: { "Cache-Control": PUBLIC_CACHE_CONTROL } },
  );
}

export const headers = publicPageHeaders;

// Signing's rules live in submitSignature (app/services/sign-form.server.ts), which the fast path
// (server/fast-paths.ts) calls too: a plain form POST that signs is answered there, without
// reaching this action. Here: the same outcome, and the page again with its messages otherwise.
export async function action({ request, params, context }: ActionFunctionArgs) {
  const slug = params.slug ?? "";
  const formData = await request.formData();
  const result = await submitSignature(slug, formFields(formData), { language: requestLanguage(request), ip: context.clientIp ?? "" });
  // The same answer whatever happened: new, pending, already signed, or quietly refused.
  if (result.outcome === "signed") return redirect(result.location, 303);
  if (result.outcome === "not_found") throw new Response(null, { status: 404 });
  const values = formValues(formData);
  // The form shown again keeps the time it was first served: fixing a field quickly is no bot.
  const stamp = values.stamp ?? null;
  delete values.website;
  delete values.stamp;
  if (result.outcome === "closed") return json({ errors: {}, values, stamp, formError: "sign.closed" }, { status: 409 });
  // A form left open for more than a day: shown again as typed, with a fresh stamp, to send once more.
  if (result.outcome === "stale") return json({ errors: {}, values, stamp: formStamp(), formError: "sign.stampExpired" }, { status: 400 });
  return json({ errors: result.errors, values, stamp, formError: null }, { status: 400 });
}

export const meta: MetaFunction<typeof loader> = ({ data, matches, error }) => {
  if (!data) return errorTitleMeta(matches, error);
  const { view, pageUrl, shareImage, shareImageAlt } = data;
  const { t } = translator(metaLang(matches));
  return [
    { title: view.title },
    { name: "description", content: view.summary },
    { tagName: "link", rel: "canonical", href: pageUrl },
    ...data.alternates.map((a) => ({ tagName: "link", rel: "alternate", hrefLang: a.lang, href: a.href })),
    // The updates as an Atom feed, in this version's language (app/routes/appeals.$slug.updates[.]atom.tsx).
    { tagName: "link", rel: "alternate", type: "application/atom+xml", title: t("updates.feed"), href: data.feedUrl },
    { property: "og:type", content: "article" },
    { property: "og:title", content: view.title },
    { property: "og:description", content: view.summary },
    { property: "og:url", content: pageUrl },
    ...[view.lang, ...view.languages.filter((l) => l !== view.lang)]
      .filter(isContentLang)
      .map((l, i) => ({ property: i === 0 ? "og:locale" : "og:locale:alternate", content: OG_LOCALES[l] })),
    { property: "og:site_name", content: view.organization },
    { property: "og:image", content: shareImage },
    { property: "og:image:type", content: "image/png" },
    { property: "og:image:width", content: "1200" },
    { property: "og:image:height", content: "630" },
    { property: "og:image:alt", content: shareImageAlt },
    { name: "twitter:card", content: "summary_large_image" },
    { name: "twitter:title", content: view.title },
    { name: "twitter:description", content: view.summary },
  ];
};

export default function AppealRoute() {
  const { view, pageUrl, list, stamp, countries } = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const { t } = useT();
  const basePath = `/appeals/${view.slug}`;
  const signForm = view.acceptsSignatures ? (
    <SignForm
      fields={view.fields}
      minimalData={view.minimalData}
      countries={countries}
      stamp={acted?.stamp || stamp}
      values={acted?.values ?? {}}
      errors={acted?.errors ?? {}}
      formError={acted?.formError ?? undefined}
    />
  ) : acted?.formError ? (
    <p className="notice-error" role="alert">
      {t("sign.closed")}
    </p>
  ) : null;
  const listHref = (direction: "after" | "before", cursor: string | null) => (cursor ? `${basePath}?lang=${view.lang}&${direction}=${cursor}#signers-h` : null);
  const signatories = list ? (
    <Signatories
      signers={list.signers}
      olderHref={listHref("after", list.older)}
      newerHref={listHref("before", list.newer)}
      page={list.page}
      pages={list.pages}
      perPage={list.perPage}
    />
  ) : null;
  return <AppealPage view={view} pageUrl={pageUrl} basePath={basePath} signForm={signForm} signatories={signatories} />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

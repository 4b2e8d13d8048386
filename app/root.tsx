import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { GeneralErrorBoundary } from "./components/error-boundary";
import { SiteFooter, SiteHeader } from "./components/layout";
import { useNonce } from "./components/nonce";
import { isUiLang, translator, type UiLang } from "./i18n";
import { useLang } from "./i18n/react";
import { currentUser } from "./services/session.server";
import { langCookie, requestLanguage } from "./utils/lang.server";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: "/app.css" },
  { rel: "icon", href: "/favicon.ico", sizes: "16x16 32x32 48x48" },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

/** Titles for the error pages (routes set their own otherwise). */
export const meta: MetaFunction<typeof loader> = ({ data, error }) => {
  const errorLang = isRouteErrorResponse(error) ? (error.data as { lang?: unknown } | null)?.lang : undefined;
  const lang = data?.lang ?? (isUiLang(errorLang) ? errorLang : "en");
  const { t } = translator(lang);
  if (!error) return [{ title: t("app.name") }];
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const title =
    status === 404
      ? t("error.404.title")
      : status === 400
        ? t("error.400.title")
        : status === 403 || status === 401
          ? t("error.403.title")
          : t("error.500.title");
  return [{ title: `${title} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  if (negotiated.badLang !== undefined) {
    throw json({ lang: negotiated.lang, badLang: negotiated.badLang }, { status: 400 });
  }
  // ?lang= naming a UI language fixes the page's language by its URL: a cache in front keeps one
  // copy per URL instead of one per Accept-Language header.
  const headers = new Headers({ Vary: negotiated.byUrl ? "Cookie" : "Cookie, Accept-Language" });
  if (negotiated.remember) headers.append("Set-Cookie", langCookie(negotiated.remember));
  const user = await currentUser(request);
  // A signed-in organizer's pages are theirs: never kept by a shared cache (utils/headers.ts keeps this).
  if (user) headers.set("Cache-Control", "private, no-store");
  return json({ lang: negotiated.lang, signedIn: Boolean(user) }, { headers });
}

export const headers: HeadersFunction = ({ loaderHeaders, errorHeaders }) => {
  const out = new Headers(errorHeaders ?? loaderHeaders);
  return out;
};

function Document({ lang, children }: { lang: UiLang; children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang={lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  return <Document lang={useLang()}>{children}</Document>;
}

export default function App() {
  const { lang, signedIn } = useLoaderData<typeof loader>();
  return (
    <>
      <SiteHeader lang={lang} signedIn={signedIn} />
      <main id="main" className="container">
        <Outlet />
      </main>
      <SiteFooter lang={lang} />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary withChrome />;
}

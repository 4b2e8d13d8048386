import type { HeadersFunction, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { GeneralErrorBoundary } from "./components/error-boundary";
import { SiteFooter, SiteHeader } from "./components/layout";
import { useNonce } from "./components/nonce";
import type { UiLang } from "./i18n";
import { useLang } from "./i18n/react";
import { langCookie, requestLanguage } from "./utils/lang.server";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: "/app.css" },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  if (negotiated.badLang !== undefined) {
    throw json({ lang: negotiated.lang, badLang: negotiated.badLang }, { status: 400 });
  }
  const headers = new Headers({ Vary: "Cookie, Accept-Language" });
  if (negotiated.remember) headers.append("Set-Cookie", langCookie(negotiated.remember));
  return json({ lang: negotiated.lang }, { headers });
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
  const { lang } = useLoaderData<typeof loader>();
  return (
    <>
      <SiteHeader lang={lang} />
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

/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  // db/ and emails/ are imported by *.server.ts modules only; bundle everything except
  // native / binary-heavy packages so the server build stays small.
  serverDependenciesToBundle: [],
  // Single fetch stays off: loaders answer with json()/redirect() and explicit statuses and
  // headers, which the error pages and caching rely on (see README, decisions).
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: false,
    v3_singleFetch: false,
  },
};

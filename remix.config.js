/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  // The server build bundles app/ with the db/ and emails/ code its *.server.ts modules import
  // (only those import them, so none reaches the browser); it bundles no package: with this
  // empty list every import from node_modules stays external, loaded at run time by build/index.js.
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

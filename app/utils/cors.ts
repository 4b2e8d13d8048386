/**
 * The JSON API is open for reading from any site (embeds, integrations): these headers go on
 * its answers, its preflight (OPTIONS) and its 405s. The route declares them as
 * `handle.cors`, where server/methods.ts finds them for the answers it gives itself.
 */
export const READ_ONLY_CORS: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type",
};

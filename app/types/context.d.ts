import "@remix-run/node";

declare module "@remix-run/node" {
  interface AppLoadContext {
    cspNonce?: string;
    /** The client address as Express sees it (X-Forwarded-For from a trusted proxy). */
    clientIp?: string;
    /** Set by handleError (app/entry.server.tsx) when a loader or action failed because the database is unreachable: the server answers 503. */
    databaseUnavailable?: boolean;
  }
}

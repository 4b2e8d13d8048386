import "@remix-run/node";

declare module "@remix-run/node" {
  interface AppLoadContext {
    cspNonce?: string;
    /** The client address as Express sees it (X-Forwarded-For from a trusted proxy). */
    clientIp?: string;
  }
}

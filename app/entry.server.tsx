import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceContext } from "./components/nonce";
import { isDatabaseUnavailable } from "./utils/errors";
import { redact } from "./utils/redact";
import { inspect } from "node:util";

const ABORT_DELAY = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = typeof loadContext.cspNonce === "string" ? loadContext.cspNonce : "";
  const waitForAll = isbot(request.headers.get("user-agent") ?? "") || remixContext.isSpaMode;
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} />
      </NonceContext.Provider>,
      {
        nonce,
        [waitForAll ? "onAllReady" : "onShellReady"]() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(redact(error instanceof Error ? error.message : inspect(error)));
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}

export function handleError(error: unknown, { request, context }: { request: Request; context: AppLoadContext }) {
  if (isDatabaseUnavailable(error)) {
    // The server (server/remix-handler.ts) answers 503 with Retry-After instead of the 500 page.
    context.databaseUnavailable = true;
    console.error(redact(`route error: the database is unavailable (${error instanceof Error ? error.message : String(error)})`));
    return;
  }
  if (request.signal.aborted) return;
  // Only the error itself is printed, and redacted: Remix's own errors quote the URL (a route
  // named by `?_data=` that does not match "/s/confirm/<token>"), which may hold a token.
  console.error(redact(`route error: ${error instanceof Error ? (error.stack ?? error.message) : inspect(error)}`));
}

// Read from the build by the page cache (server/http.ts): is a kept copy of a public page still what it would show?
export { publicPageVersion } from "./services/page-version.server";

import type { Server } from "node:http";
import type { Socket } from "node:net";
import { negotiateLanguage } from "../app/i18n/negotiate.js";
import { plainErrorPage, type PlainError } from "./plain-error-page.js";

/** After a request Node could not parse, what the client still sends is read and dropped up to this much, for this long. */
const DRAIN_AT_MOST = 1024 * 1024;
const DRAIN_FOR_MS = 5_000;

/**
 * Requests Node's parser refuses before any route sees them — a URL or headers past its 16 KiB
 * (431), a malformed request line or header (400) — get the plain error page, and then the
 * rest of what the client is still sending (its form or file) is read and dropped, a little and
 * briefly, before the connection closes. Node's own answer closes at once, so a client still
 * uploading a small form got a connection reset ("write EPIPE") instead of the answer. A request
 * that times out (408) or a connection already answering is closed as Node does.
 */
export function answerClientErrors(server: Server): void {
  const draining = new WeakMap<Socket, number>();
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // Each further chunk reaches the failed parser and comes back here: count it, drop it.
    const from = draining.get(socket);
    if (from !== undefined) {
      if (socket.bytesRead - from > DRAIN_AT_MOST) socket.destroy();
      return;
    }
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight) return void socket.destroy();
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return void socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    const status: PlainError = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW" ? 413 : 400;
    // The headers were not read: the site's default language.
    const page = Buffer.from(plainErrorPage(negotiateLanguage(new URL("http://x/"), null, null).lang, status));
    const reason = { 400: "Bad Request", 413: "Payload Too Large", 431: "Request Header Fields Too Large" }[status as 400 | 413 | 431];
    draining.set(socket, socket.bytesRead);
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${page.length}\r\nCache-Control: no-store\r\n` +
        `Content-Security-Policy: default-src 'none'; style-src 'self'\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n`,
    );
    socket.end(page);
    socket.resume();
    setTimeout(() => socket.destroy(), DRAIN_FOR_MS).unref();
  });
}

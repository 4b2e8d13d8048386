import type { Request, Response } from "express";
import { ipHash } from "../app/services/abuse.server.js";
import { env } from "../app/utils/env.server.js";

/** Held refusals at once, per client and per process; past either, the refusal goes at once and the connection closes. */
export const HOLD_PER_CLIENT = 16;
export const HOLD_PER_PROCESS = 1024;

let held = 0;
const heldByClient = new Map<string, number>();

/**
 * Sends a refusal (a 429 for a client past its budget) REFUSAL_HOLD_MS late. A client that floods
 * over a few keep-alive connections then gets a few answers a second instead of hundreds, and the
 * two cores go to everyone else's pages (before, each of 600–1,500 refusals a second cost a
 * request's parse, headers and a write: the public page's p50 rose 2–3×). Held answers are bounded:
 * HOLD_PER_CLIENT for one client, HOLD_PER_PROCESS in all; past either, the refusal is sent at
 * once with `Connection: close`, so each further request costs the client a new connection. A
 * held answer whose client leaves is dropped (its timer cleared). Sequential clients — a person
 * pressing reload — see only the delay.
 */
export function sendRefusal(req: Request, res: Response, send: () => void): void {
  const holdMs = env().REFUSAL_HOLD_MS;
  const client = ipHash(req.ip ?? "");
  const mine = heldByClient.get(client) ?? 0;
  if (holdMs === 0 || mine >= HOLD_PER_CLIENT || held >= HOLD_PER_PROCESS) {
    if (holdMs > 0) res.set("Connection", "close");
    send();
    return;
  }
  held++;
  heldByClient.set(client, mine + 1);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    held--;
    const left = (heldByClient.get(client) ?? 1) - 1;
    if (left > 0) heldByClient.set(client, left);
    else heldByClient.delete(client);
  };
  const timer = setTimeout(() => {
    release();
    if (!res.destroyed && !res.writableEnded) send();
  }, holdMs);
  // The client left while held: nothing to send, and its place is free again.
  res.once("close", release);
}

/** Refusals being held now (for tests and the benchmark). */
export function heldRefusals(): number {
  return held;
}

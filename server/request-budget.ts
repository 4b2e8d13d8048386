import type { NextFunction, Request, Response } from "express";
import { spendBudget, type RequestBudget } from "../app/services/abuse.server.js";
import { plainErrorPage, requestLang } from "./plain-error-page.js";
import { sendRefusal } from "./refusal-hold.js";

/** The budget a request spends, if it is one of the costly kinds (app/services/abuse.server.ts). */
function budgetOf(req: Request): RequestBudget | null {
  if (req.method === "GET" && /^\/appeals\/[^/]+\/?$/.test(req.path) && ("after" in req.query || "before" in req.query)) return "listPages";
  if (req.method === "POST" && /^\/verify\/[^/]+\/?$/.test(req.path)) return "verifyUploads";
  // Registering sends mail to an address as signing in does: one budget for both.
  if (req.method === "POST" && /^\/(?:login|register)\/?$/.test(req.path)) return "loginRequests";
  if ((req.method === "GET" || req.method === "HEAD") && /^\/verify\/[^/]+\/revocations(\.p7s)?\/?$/.test(req.path)) return "revocationLists";
  return null;
}

/**
 * Cheap refusals for one client flooding a costly request: a client past its budget gets a
 * plain 429 page in its language, with Retry-After, before Remix renders anything, a body is
 * parsed or the database is asked. Sign-in requests past the per-client limit are refused here
 * too, after the login action has answered the first refusal with the form and its reason;
 * before, every refusal cost a full render of the login page. Refusals are sent
 * REFUSAL_HOLD_MS late (server/refusal-hold.ts).
 */
export function requestBudget() {
  return async (req: Request, res: Response, next: NextFunction) => {
    const budget = budgetOf(req);
    if (!budget) return next();
    let wait: number;
    try {
      wait = await spendBudget(budget, req.ip ?? "");
    } catch (error) {
      return next(error);
    }
    if (wait <= 0) return next();
    // An unread request body is not read: the connection closes after the answer.
    if (!req.complete && req.method === "POST") res.set("Connection", "close");
    const text = budget === "loginRequests" ? "login.tooMany" : "error.budget.text";
    // Sent late (server/refusal-hold.ts): a flood gets a few answers a second.
    sendRefusal(req, res, () =>
      res
        .status(429)
        .set({ "Retry-After": String(wait), "Cache-Control": "private, no-store" })
        .type("html")
        .send(plainErrorPage(requestLang(req), "budget", text)),
    );
  };
}

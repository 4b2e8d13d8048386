import type { NextFunction, Request, Response } from "express";
import { inClientLane, ipHash, isIssuedToken, recordTokenGuess, tokenGuessWait, type TokenKind } from "../app/services/abuse.server.js";
import { plainErrorPage, plainLang } from "./plain-error-page.js";
import { sendRefusal } from "./refusal-hold.js";

/** The pages opened from links in e-mails, each carrying a token. */
export const TOKEN_PATH = /^\/(?:s\/(confirm|reject|withdraw|unsubscribe)|(login|register)\/t)\/([^/]*)\/?$/;

function kindOf(match: RegExpExecArray): TokenKind {
  const kind = match[1] ?? match[2];
  return kind === "confirm" || kind === "reject" || kind === "withdraw" || kind === "unsubscribe" || kind === "register" ? kind : "login";
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Rate-limits guessing of link tokens per client (app/services/abuse.server.ts). Under the
 * limit, a link is counted as a guess when its token was never issued; that is looked up after
 * the answer has been sent — so it adds nothing to the answer's time — and not at all for a
 * redirect (a link that worked: the busy confirm path). Over the limit, the token is looked up
 * first (by its hash, one lookup at a time per client): an issued link opens as usual, for the
 * people who share the guesser's address; an unknown one gets 429 and a longer wait.
 */
export function tokenGuard() {
  return async (req: Request, res: Response, next: NextFunction) => {
    const match = TOKEN_PATH.exec(req.path);
    if (!match) return next();
    const key = `link|${ipHash(req.ip ?? "")}`;
    const kind = kindOf(match);
    const token = decoded(match[3] ?? "");
    // Sent REFUSAL_HOLD_MS late (server/refusal-hold.ts): a guesser gets a few answers a second.
    const refuse = (wait: number) =>
      sendRefusal(req, res, () =>
        res
          .status(429)
          .set({ "Retry-After": String(wait), "Cache-Control": "no-store" })
          .type("html")
          .send(plainErrorPage(plainLang(req), 429)),
      );
    let wait: number;
    try {
      wait = await tokenGuessWait(key);
    } catch (error) {
      return next(error);
    }
    if (wait > 0) {
      try {
        const issued = await inClientLane(key, () => isIssuedToken(kind, token));
        // The lane is full: this client already has lookups waiting; not another one.
        if (issued === null) return refuse(wait);
        if (issued) return next();
        refuse(await recordTokenGuess(key));
      } catch (error) {
        next(error);
      }
      return;
    }
    res.on("finish", () => {
      if (res.statusCode >= 300 && res.statusCode < 400) return;
      if (res.statusCode >= 500 || res.statusCode === 429) return;
      isIssuedToken(kind, token)
        .then((issued) => (issued ? undefined : recordTokenGuess(key)))
        .catch(() => undefined); // the database is away: the page already said so
    });
    next();
  };
}

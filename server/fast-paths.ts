import express, { type Request, type Response } from "express";
import { negotiateLanguage } from "../app/i18n/negotiate.js";
import { confirmedRedirect } from "../app/services/confirmed-flash.server.js";
import { trySign } from "../app/services/sign-form.server.js";
import { confirmSignature } from "../app/services/signing.server.js";
import type { RemixServe } from "./remix-handler.js";

/**
 * The two busiest POSTs — signing and confirming — answered without React or route matching
 * when they succeed (a 303 redirect, the same answer the Remix routes give). Anything else —
 * invalid input, a closed appeal, a used or expired link, or a JavaScript client asking for
 * data (`?_data=`) — is handed to the Remix route with the body already read, which renders the
 * page with its messages as usual.
 */
export function fastPaths(options: { serve: RemixServe }) {
  const router = express.Router();
  const parser = express.raw({ type: "application/x-www-form-urlencoded", limit: "64kb" });
  // A JavaScript client's submission (?_data=) goes to Remix untouched, body unread.
  const skipData = (req: Request, _res: Response, next: express.NextFunction) => ("_data" in req.query ? next("route") : next());

  const handOver = (req: Request, res: Response, body: Buffer) => options.serve(req, res, body);

  const plainForm = (req: Request) => Buffer.isBuffer(req.body);

  router.post("/appeals/:slug", skipData, parser, async (req, res, next) => {
    try {
      if (!plainForm(req)) return next();
      const body: Buffer = req.body;
      const fields = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
      const url = new URL(req.originalUrl, "http://x");
      const negotiated = negotiateLanguage(url, req.headers.cookie ?? null, req.headers["accept-language"] ?? null);
      if (negotiated.badLang === undefined) {
        const outcome = await trySign(req.params.slug ?? "", fields, { lang: negotiated.lang, requested: negotiated.requested, ip: req.ip ?? "" });
        if (outcome === "signed") return res.redirect(303, `/appeals/${req.params.slug}/sent`);
      }
      await handOver(req, res, body);
    } catch (error) {
      next(error);
    }
  });

  router.post("/s/confirm/:token", skipData, parser, async (req, res, next) => {
    try {
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const view = await confirmSignature(req.params.token ?? "");
      if (view.state === "valid" && view.slug) {
        // The same answer as the Remix action: the thanks page, told (by a signed cookie) that this browser confirmed.
        const { location, cookie } = confirmedRedirect(view.slug);
        res.setHeader("Set-Cookie", cookie);
        return res.redirect(303, location);
      }
      // Not confirmed now (already, expired, invalid, closed): Remix renders the explanation.
      await handOver(req, res, body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

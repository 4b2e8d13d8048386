import express, { type Request, type Response } from "express";
import { negotiateLanguage } from "../app/i18n/negotiate.js";
import { submitConfirmation, submitSignature } from "../app/services/sign-form.server.js";
import { formFields } from "../app/utils/forms.js";
import type { RemixServe } from "./remix-handler.js";

/** The requests these paths take (the routes below, not a JavaScript client's): http.ts leaves them uncompressed. */
export function takesFastPath(req: Request): boolean {
  return req.method === "POST" && FAST_PATH.test(req.path) && !("_data" in req.query);
}
const FAST_PATH = /^\/(appeals|s\/confirm)\/[^/]+\/?$/i;

/**
 * The two busiest POSTs — signing and confirming — answered without React or route matching
 * when they succeed (a 303 redirect, the same answer the Remix routes give). Anything else —
 * invalid input, a closed appeal, a used or expired link, or a JavaScript client asking for
 * data (`?_data=`) — is handed to the Remix route with the body already read, which renders the
 * page with its messages as usual.
 *
 * The rules are not here: both this path and the Remix actions (app/routes/appeals.$slug/route.tsx,
 * app/routes/s.confirm.$token.tsx) call submitSignature and submitConfirmation
 * (app/services/sign-form.server.ts), so a rule added there holds whichever entry answers. This
 * file only reads the request and writes the redirect (tests/integration/sign-entries.test.ts).
 *
 * `compress` (compression()) is applied only to what is handed to Remix: a 303 has nothing worth
 * compressing, and compression's set-up was a tenth of what these requests allocate (bench:sign's
 * allocation profile, issue 16).
 */
export function fastPaths(options: { serve: RemixServe; compress: express.RequestHandler }) {
  const router = express.Router();
  const parser = express.raw({ type: "application/x-www-form-urlencoded", limit: "64kb" });
  // A JavaScript client's submission (?_data=) goes to Remix untouched, body unread.
  const skipData = (req: Request, _res: Response, next: express.NextFunction) => ("_data" in req.query ? next("route") : next());

  const handOver = (req: Request, res: Response, body: Buffer) =>
    new Promise<void>((resolve, reject) => options.compress(req, res, () => options.serve(req, res, body).then(resolve, reject)));

  const plainForm = (req: Request) => Buffer.isBuffer(req.body);

  router.post("/appeals/:slug", skipData, parser, async (req, res, next) => {
    try {
      if (!plainForm(req)) return next();
      const body: Buffer = req.body;
      const fields = formFields(new URLSearchParams(body.toString("utf8")));
      const language = negotiateLanguage(new URL(req.originalUrl, "http://x"), req.headers.cookie ?? null, req.headers["accept-language"] ?? null);
      const result = await submitSignature(req.params.slug ?? "", fields, { language, ip: req.ip ?? "" });
      if (result.outcome === "signed") return res.redirect(303, result.location);
      await handOver(req, res, body);
    } catch (error) {
      next(error);
    }
  });

  router.post("/s/confirm/:token", skipData, parser, async (req, res, next) => {
    try {
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await submitConfirmation(req.params.token ?? "");
      if (result.outcome === "confirmed") {
        // The thanks page, told (by a signed cookie) that this browser confirmed.
        res.setHeader("Set-Cookie", result.cookie);
        return res.redirect(303, result.location);
      }
      // Not confirmed now (already, expired, invalid, closed): Remix renders the explanation.
      await handOver(req, res, body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

import type { Request, Response } from "express";
import { RETRY_AFTER_SECONDS } from "../app/utils/errors.js";
import { translator, type MessageKey, type UiLang } from "../app/i18n/index.js";
import { negotiateLanguage } from "../app/i18n/negotiate.js";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What a page answered outside Remix is about: its status, "csrf" for a cross-site form (a 403), "budget" for a flood (a 429). */
export type PlainError = 400 | 405 | 413 | 415 | 429 | 431 | 500 | 503 | "csrf" | "budget";

const KEYS: Record<PlainError, [MessageKey, MessageKey]> = {
  400: ["error.400.title", "error.400.text"],
  405: ["error.405.title", "error.405.text"],
  413: ["error.413.title", "error.413.text"],
  415: ["error.415.title", "error.415.text"],
  429: ["error.429.title", "error.429.text"],
  431: ["error.431.title", "error.431.text"],
  500: ["error.500.title", "error.500.text"],
  503: ["error.503.title", "error.503.text"],
  csrf: ["error.csrf.title", "error.csrf.text"],
  budget: ["error.budget.title", "error.budget.text"],
};

/** The error page for answers outside Remix (undecodable URLs, refused requests, crashes before routing). */
export function plainErrorPage(lang: UiLang, kind: PlainError, textKey: MessageKey = KEYS[kind][1]): string {
  const { t } = translator(lang);
  const title = t(KEYS[kind][0]);
  const text = t(textKey);
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)} · ${escape(t("app.name"))}</title><link rel="stylesheet" href="/app.css"></head><body><main id="main" class="container error-page"><h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="/">${escape(t("error.back"))}</a></p></main></body></html>`;
}

/** The reader's language for a page answered outside Remix (cookie, then Accept-Language; ?lang= is not read). */
export function plainLang(req: Request): UiLang {
  return negotiateLanguage(new URL("http://x/"), req.headers.cookie ?? null, req.headers["accept-language"] ?? null).lang;
}

/**
 * The answer when the database cannot be reached (isDatabaseUnavailable): 503 with Retry-After,
 * never cached, in the reader's language (here ?lang= is read too: the URL was decoded fine).
 */
export function sendUnavailable(req: Request, res: Response): void {
  const lang = requestLang(req);
  res
    .status(503)
    .set({ "Retry-After": String(RETRY_AFTER_SECONDS), "Cache-Control": "no-store" })
    .type("html")
    .send(plainErrorPage(lang, 503));
}

/** The reader's language for a request whose URL was decoded fine: ?lang=, then the cookie, then Accept-Language. */
export function requestLang(req: Request): UiLang {
  let url = new URL("http://x/");
  try {
    url = new URL(req.originalUrl, url);
  } catch {
    /* the cookie and Accept-Language decide */
  }
  return negotiateLanguage(url, req.headers.cookie ?? null, req.headers["accept-language"] ?? null).lang;
}

import { translator, type UiLang } from "../app/i18n/index.js";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The error page for failures outside Remix (undecodable URLs, crashes before routing). */
export function plainErrorPage(lang: UiLang, status: 400 | 500): string {
  const { t } = translator(lang);
  const title = status === 400 ? t("error.400.title") : t("error.500.title");
  const text = status === 400 ? t("error.400.text") : t("error.500.text");
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)} · ${escape(t("app.name"))}</title><link rel="stylesheet" href="/app.css"></head><body><main id="main" class="container error-page"><h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="/">${escape(t("error.back"))}</a></p></main></body></html>`;
}

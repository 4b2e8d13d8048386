import type { MetaDescriptor } from "@remix-run/node";
import { isRouteErrorResponse } from "@remix-run/react";
import { isUiLang, translator, type MessageKey } from "~/i18n";

type Match = { id: string; data: unknown };

/** The interface language as the root loader decided it, for meta functions. */
export function metaLang(matches: Match[]) {
  const root = matches.find((m) => m.id === "root")?.data as { lang?: unknown } | undefined;
  return isUiLang(root?.lang) ? root.lang : "en";
}

/** `<title>` of a page from a message key: "Title · Appeals". */
export function titleMeta(matches: Match[], key: MessageKey): MetaDescriptor[] {
  const { t } = translator(metaLang(matches));
  return [{ title: `${t(key)} · ${t("app.name")}` }];
}

/** `<title>` of the error page a route shows when its loader threw ("Page not found · Appeals"). */
export function errorTitleMeta(matches: Match[], error: unknown): MetaDescriptor[] {
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const key: MessageKey =
    status === 404 ? "error.404.title" : status === 400 ? "error.400.title" : status === 401 || status === 403 ? "error.403.title" : "error.500.title";
  return titleMeta(matches, key);
}

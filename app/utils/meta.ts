import type { MetaDescriptor } from "@remix-run/node";
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

import { isRouteErrorResponse, useRouteError, useRouteLoaderData } from "@remix-run/react";
import { isUiLang, type UiLang } from "./languages";
import { translator, type Translator } from "./index";

/**
 * The interface language: from the root loader, or, when the root loader itself threw
 * (e.g. an unsupported ?lang=), from the error it threw.
 */
export function useLang(): UiLang {
  const data = useRouteLoaderData<{ lang: UiLang }>("root");
  const error = useRouteError();
  if (data && isUiLang(data.lang)) return data.lang;
  if (isRouteErrorResponse(error)) {
    const fromError: unknown = (error.data as { lang?: unknown } | null)?.lang;
    if (isUiLang(fromError)) return fromError;
  }
  return "en";
}

export function useT(): Translator {
  return translator(useLang());
}

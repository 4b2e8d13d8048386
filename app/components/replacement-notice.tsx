import { languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import type { ReplacementFinding } from "~/services/text-check.server";

/**
 * Tells the organizer where this appeal's stored text holds U+FFFD (a letter lost to the NUL
 * bytes React once streamed into ru/kk editor pages), so they correct it and publish a new revision.
 */
export function ReplacementNotice({ findings }: { findings: ReplacementFinding[] }) {
  const { t, lang } = useT();
  if (!findings.length) return null;
  return (
    <section className="notice-error" role="alert" aria-labelledby="fffd-h">
      <h2 id="fffd-h">{t("fffd.title")}</h2>
      <p>{t("fffd.intro")}</p>
      <ul>
        {findings.map((f, i) => {
          const vars = { language: languageName(f.lang, lang), field: t(`fffd.field.${f.field}`), revision: f.ref ?? "", number: f.ref ?? "" };
          return <li key={i}>{t(`fffd.${f.source}`, vars)}</li>;
        })}
      </ul>
      {findings.some((f) => f.correctable) ? <p>{t("fffd.action")}</p> : null}
    </section>
  );
}

import { languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import type { PublishProblem } from "~/services/appeals.server";

export function PublishProblems({ problems }: { problems: PublishProblem[] }) {
  const { t, lang } = useT();
  if (!problems.length) return null;
  return (
    <div className="form-error" role="alert">
      <p>{t("publish.blocked")}</p>
      <ul className="problems">
        {problems.map((p, i) => (
          <li key={i}>
            {p.code === "noAddressees"
              ? t("publish.noAddressees")
              : p.code === "addresseeName"
                ? t("publish.addresseeName", { index: p.index, language: languageName(p.lang, lang) })
                : t(`publish.${p.code}`, { language: languageName(p.lang, lang) })}
          </li>
        ))}
      </ul>
    </div>
  );
}

import { isRtlLang } from "~/i18n";
import { useT } from "~/i18n/react";
import type { DiffPart } from "~/services/revisions.server";

/**
 * A word diff as text: insertions in <ins> (underlined), deletions in <del> (struck through),
 * each also named in words for screen readers, which mostly do not announce the elements
 * themselves: never colour alone. Line breaks of the source text are kept (white-space: pre-wrap).
 */
export function DiffText({ parts, lang, id }: { parts: DiffPart[]; lang: string; id?: string }) {
  const { t, lang: uiLang } = useT();
  const dir = isRtlLang(lang) ? "rtl" : undefined;
  return (
    <div className="diff" lang={lang} dir={dir} id={id}>
      {parts.map((p, i) => {
        if (p.op === "same") return <span key={i}>{p.text}</span>;
        const Tag = p.op === "ins" ? "ins" : "del";
        return (
          <Tag key={i}>
            <span className="visually-hidden" lang={uiLang}>
              {t(p.op === "ins" ? "revisions.insStart" : "revisions.delStart")}{" "}
            </span>
            {p.text}
            <span className="visually-hidden" lang={uiLang}>
              {t("revisions.changeEnd")}
            </span>
          </Tag>
        );
      })}
    </div>
  );
}

import { useT } from "~/i18n/react";

/** A public signer as the page shows it (place and date already in the page's language). */
export interface ListedSigner {
  name: string;
  place: string;
  date: string;
}

/** The public list of signatories, as each chose to appear. */
export function Signatories({ signers, olderHref, newerHref }: { signers: ListedSigner[]; olderHref: string | null; newerHref: string | null }) {
  const { t } = useT();
  return (
    <section aria-labelledby="signers-h" className="signatories">
      <h2 id="signers-h">{t("list.title")}</h2>
      {signers.length === 0 ? (
        <p>{t("list.none")}</p>
      ) : (
        <ol className="signer-list">
          {signers.map((s, i) => (
            <li key={i}>
              <span className="signer-name">{s.name}</span>
              {s.place ? <span className="hint">, {s.place}</span> : null}
              <span className="hint"> · {s.date}</span>
            </li>
          ))}
        </ol>
      )}
      {newerHref || olderHref ? (
        <nav aria-label={t("list.pages")} className="signer-pages">
          {newerHref ? (
            <a href={newerHref} rel="prev">
              {t("list.newer")}
            </a>
          ) : null}
          {newerHref && olderHref ? " · " : null}
          {olderHref ? (
            <a href={olderHref} rel="next">
              {t("list.more")}
            </a>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}

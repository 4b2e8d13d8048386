import { useT } from "~/i18n/react";

/** A public signer as the page shows it (place and date already in the page's language). */
export interface ListedSigner {
  name: string;
  place: string;
  date: string;
}

/** The public list of signatories, as each chose to appear. */
export function Signatories({ signers, more, nextHref }: { signers: ListedSigner[]; more: boolean; nextHref: string }) {
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
      {more ? <p><a href={nextHref}>{t("list.more")}</a></p> : null}
    </section>
  );
}

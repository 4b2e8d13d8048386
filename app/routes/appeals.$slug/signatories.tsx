import { countryName } from "~/data/countries";
import { useT } from "~/i18n/react";
import type { PublicSigner } from "~/services/signing.server";

/** The public list of signatories, as each chose to appear. */
export function Signatories({ signers, more, nextHref }: { signers: PublicSigner[]; more: boolean; nextHref: string }) {
  const { t, lang, date } = useT();
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
              {s.city || s.country ? <span className="hint">, {[s.city, s.country ? countryName(s.country, lang) : null].filter(Boolean).join(", ")}</span> : null}
              <span className="hint"> · {date(s.at, "short")}</span>
            </li>
          ))}
        </ol>
      )}
      {more ? <p><a href={nextHref}>{t("list.more")}</a></p> : null}
    </section>
  );
}

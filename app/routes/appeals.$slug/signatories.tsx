import { useT } from "~/i18n/react";

/** A public signer as the page shows it (country and date already in the page's language). */
export interface ListedSigner {
  name: string;
  city: string | null;
  country: string | null;
  date: string;
  /** Collected on a paper sheet. */
  paper: boolean;
}

/** Room on the left for the list's largest number ("10,050." needs more than "50."), by class (no inline style). */
function numberWidth(largest: number): string {
  if (largest >= 10_000) return " numbers-5";
  if (largest >= 100) return " numbers-3";
  return "";
}

/** The public list of signatories, as each chose to appear. */
export function Signatories({
  signers,
  olderHref,
  newerHref,
  page,
  pages,
  perPage,
}: {
  signers: ListedSigner[];
  olderHref: string | null;
  newerHref: string | null;
  page: number;
  pages: number;
  perPage: number;
}) {
  const { t, number } = useT();
  return (
    <section aria-labelledby="signers-h" className="signatories">
      <h2 id="signers-h">{t("list.title")}</h2>
      {signers.length === 0 ? (
        <p>{t("list.none")}</p>
      ) : (
        // Numbered on across pages (page 2 starts at 51), as "page 2 of 14" says.
        <ol className={`signer-list${numberWidth(page * perPage)}`} start={page > 1 ? (page - 1) * perPage + 1 : undefined}>
          {signers.map((s, i) => (
            <li key={i}>
              {/* Each name and city in its own isolate (<bdi>, direction from its own first letter):
                  an Arabic or Hebrew one neither reorders the commas around it nor the row.
                  A row clips marks stacked past it (public/app.css, .name-row). */}
              <span className="name-row">
                <bdi className="signer-name">{s.name}</bdi>
                {s.city || s.country ? (
                  <span className="hint">
                    {s.city ? (
                      <>
                        , <bdi>{s.city}</bdi>
                      </>
                    ) : null}
                    {s.country ? `, ${s.country}` : null}
                  </span>
                ) : null}
                <span className="hint">
                  {" "}
                  · {s.date}
                  {s.paper ? ` · ${t("paper.onPaper")}` : null}
                </span>
              </span>
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
          {newerHref ? " · " : null}
          <span className="page-of" aria-current="page">
            {t("list.pageOf", { page: number(page), pages: number(pages) })}
          </span>
          {olderHref ? " · " : null}
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

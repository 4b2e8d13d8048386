import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { BarChart, HBarChart } from "~/components/charts";
import { Field, FormError, errorText } from "~/components/form";
import { ScrollTable } from "~/components/scroll-table";
import { countryName } from "~/data/countries";
import type { MessageKey } from "~/i18n";
import { useT } from "~/i18n/react";
import { removeSignatureSchema } from "~/schemas/signatures";
import { appealForMember } from "~/services/access.server";
import { campaignStats, removeSignature, setHidden } from "~/services/campaign.server";
import { searchKind, searchSignatures, type FoundSignature, type SearchFrom, type SearchResult } from "~/services/signature-search.server";
import { requireUser } from "~/services/session.server";
import { actionError, loaderError, reply, type FormReply } from "~/utils/action-errors.server";
import { requestLanguage } from "~/utils/lang.server";
import { formValues, idOf, parseForm } from "~/utils/forms";

/** Which page of search results: `after` (older) or `before` (newer) a signature's id. */
function searchFrom(get: (name: string) => FormDataEntryValue | string | null): SearchFrom {
  const after = idOf(get("after"));
  if (after) return { after };
  const before = idOf(get("before"));
  return before ? { before } : { first: true };
}

/** A search as the page shows it: the query, how it was sent, and one page of results. */
interface ShownSearch {
  query: string;
  by: "text" | "email";
  result: Omit<SearchResult, "signatures"> & { signatures: Array<FoundSignature & { countryName: string | null }> };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const stats = await campaignStats(Number(params.id), user.id);
    const { role } = await appealForMember(Number(params.id), user.id);
    // A search by part of a name or city may be in the address (?q=); an address never is: the
    // form sends that by POST (the action), and a ?q= with an "@" in it is not looked up.
    const url = new URL(request.url);
    const q = (url.searchParams.get("q") ?? "").trim();
    const found =
      q && searchKind(q) === "text"
        ? await searchSignatures(
            Number(params.id),
            user.id,
            q,
            searchFrom((n) => url.searchParams.get(n)),
          )
        : null;
    // Country names and the charts' day labels come from the server's ICU: browsers lack some
    // of its data (Debian's Chromium has no Kazakh), and the page must hydrate as rendered.
    const { lang } = requestLanguage(request);
    const country = (code: string | null) => (code ? countryName(code, lang) : null);
    const dayMonth = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" });
    const dayEvery = Math.max(1, Math.ceil(stats.daily.length / 8));
    const search: ShownSearch | null = found
      ? { query: q, by: "text", result: { ...found, signatures: found.signatures.map((f) => ({ ...f, countryName: country(f.country) })) } }
      : null;
    return json(
      {
        ...stats,
        role,
        search,
        hourly: stats.hourly.map((p, i) => ({ ...p, tick: i % 12 === 0 ? `${dayMonth.format(new Date(p.at))} ${p.at.slice(11, 16)}` : null })),
        daily: stats.daily.map((p, i) => ({ ...p, tick: i % dayEvery === 0 ? dayMonth.format(new Date(p.at)) : null })),
        countries: stats.countries.map((c) => ({ ...c, label: country(c.country) })),
        cities: stats.cities.map((c) => ({ ...c, label: [c.city, country(c.country)].filter(Boolean).join(", "), countryName: country(c.country) })),
        recent: stats.recent.map((r) => ({ ...r, countryName: country(r.country) })),
      },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const formData = await request.formData();
  const intent = String(formData.get("_intent") ?? "");
  try {
    if (intent === "search") {
      const q = String(formData.get("q") ?? "")
        .trim()
        .slice(0, 200);
      // Members only, before anything: a stranger is refused (403), not redirected.
      await appealForMember(id, user.id);
      // Part of a name or city: shown at an address of its own (?q=), to reload, share and page by link.
      if (searchKind(q) === "text") return redirect(`/dashboard/appeals/${id}/signatures${q ? `?q=${encodeURIComponent(q)}` : ""}#search-h`, 303);
      // An address: answered here, to this POST, so it is in no URL (nor history, nor log line).
      const found = await searchSignatures(
        id,
        user.id,
        q,
        searchFrom((n) => formData.get(n)),
      );
      const { lang } = requestLanguage(request);
      const search: ShownSearch = {
        query: q,
        by: "email",
        result: { ...found, signatures: found.signatures.map((f) => ({ ...f, countryName: f.country ? countryName(f.country, lang) : null })) },
      };
      const body: FormReply & { search: ShownSearch } = { ok: true, errors: {}, values: {}, problems: [], stale: null, notice: null, search };
      return json(body, { headers: { "Cache-Control": "no-store" } });
    }
    if (intent === "hide" || intent === "unhide") {
      await setHidden(id, user.id, idOf(formData.get("signatureId")), intent === "hide");
      return reply({});
    }
    if (intent === "remove") {
      const form = parseForm(removeSignatureSchema, formData);
      if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
      await removeSignature(id, user.id, form.data.signatureId, form.data.reason);
      return reply({ notice: "removed" });
    }
    return reply({ errors: { _form: "form.invalid" } }, 400);
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function Signatures() {
  const { appeal, counts, hourly, daily, countries, cities, recent, role, search: searched } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  // JSON-safe already (dates as strings): the serialized type is the same shape.
  const search = ((data && "search" in data ? data.search : null) ?? searched) as ShownSearch | null;
  const { t, number, date } = useT();
  const [params] = useSearchParams();
  const exportError = params.get("exportError");
  const percent = appeal.goal ? Math.min(100, Math.round((counts.confirmed / appeal.goal) * 100)) : null;
  const hourLabel = (i: number) => hourly[i]?.tick ?? null;
  const dayLabel = (i: number) => daily[i]?.tick ?? null;
  const countryRows = countries.map((c) => ({ label: c.label ?? t("camp.unknownCountry"), n: c.n }));
  const cityRows = cities.map((c) => ({ label: c.label, n: c.n, city: c.city, country: c.countryName }));
  return (
    <>
      {data?.notice === "removed" ? (
        <p className="notice" role="status">
          {t("camp.removed.done")}
        </p>
      ) : null}
      {data?.errors._form ? <FormError>{errorText(t, data.errors._form)}</FormError> : null}
      <dl className="stat-grid">
        <div>
          <dt>{t("camp.confirmed")}</dt>
          <dd data-testid="stat-confirmed">{number(counts.confirmed)}</dd>
        </div>
        <div>
          <dt>{t("camp.pending")}</dt>
          <dd data-testid="stat-pending">{number(counts.pending)}</dd>
        </div>
        <div>
          <dt>{t("camp.withdrawn")}</dt>
          <dd>{number(counts.withdrawn)}</dd>
        </div>
        <div>
          <dt>{t("camp.removed")}</dt>
          <dd>{number(counts.removed)}</dd>
        </div>
        {appeal.goal ? (
          <div>
            <dt>{t("camp.goal")}</dt>
            <dd>
              {number(appeal.goal)} ({percent}%)
            </dd>
          </div>
        ) : null}
      </dl>
      {appeal.goal ? (
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={appeal.goal} aria-valuenow={counts.confirmed} aria-label={t("camp.goal")}>
          <span style={{ width: `${percent}%` }} />
        </div>
      ) : null}
      {counts.confirmed === 0 ? (
        <p>{t("camp.noData")}</p>
      ) : (
        <>
          <BarChart title={t("camp.perHour")} points={hourly.map((p) => ({ label: date(p.at, "datetime"), n: p.n }))} label={hourLabel} />
          <BarChart title={t("camp.perDay")} points={daily.map((p) => ({ label: date(p.at, "short"), n: p.n }))} label={dayLabel} />
          <div className="two-col">
            <section aria-labelledby="countries-h">
              <h2 id="countries-h">{t("camp.countries")}</h2>
              <HBarChart title={t("camp.countries")} rows={countryRows} />
              <PlaceTable rows={countryRows} labelledBy="countries-h" />
            </section>
            <section aria-labelledby="cities-h">
              <h2 id="cities-h">{t("camp.cities")}</h2>
              <HBarChart title={t("camp.cities")} rows={cityRows} />
              <PlaceTable rows={cityRows} labelledBy="cities-h" />
            </section>
          </div>
        </>
      )}
      <SearchSection appealId={appeal.id} owner={role === "owner"} search={search} error={data?.errors.q} typed={data?.values.q} />
      <section aria-labelledby="export-h">
        <h2 id="export-h">{t("export.title")}</h2>
        <p className="hint">{t("export.hint")}</p>
        <Form method="post" action={`/dashboard/appeals/${appeal.id}/export.csv`} reloadDocument className="stack" noValidate>
          {exportError ? <FormError>{errorText(t, exportError)}</FormError> : null}
          <Field
            name="purpose"
            label={t("export.purpose")}
            required
            maxLength={500}
            error={
              exportError === "export.empty" || exportError === "export.busy" || exportError === "export.serverBusy" ? undefined : (exportError ?? undefined)
            }
          />
          <div>
            <button type="submit">{t("export.submit")}</button>
          </div>
        </Form>
      </section>
      <section aria-labelledby="recent-h">
        <h2 id="recent-h">{t("camp.recent")}</h2>
        <ScrollTable labelledBy="recent-h" wide>
          <SignatureHead actions={t("camp.remove")} />
          <tbody>
            {recent.map((s) => (
              <tr key={s.id}>
                <SignatureCells signature={{ ...s, at: s.confirmed_at ?? s.created_at }} revisions={appeal.current_revision > 1} />
                <td>
                  <HideForm signature={s} />
                  <details>
                    <summary>{t("camp.remove")}</summary>
                    <Form method="post" className="stack">
                      <input type="hidden" name="signatureId" value={s.id} />
                      <Field
                        name="reason"
                        idPrefix={`s${s.id}-`}
                        label={t("camp.removeReason")}
                        required
                        maxLength={500}
                        error={data?.values.signatureId === String(s.id) ? data?.errors.reason : undefined}
                        defaultValue={data?.values.signatureId === String(s.id) ? data?.values.reason : undefined}
                      />
                      <div>
                        <button type="submit" name="_intent" value="remove" className="button button-danger">
                          {t("camp.remove")}
                        </button>
                      </div>
                    </Form>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      </section>
    </>
  );
}

/**
 * The search form and one page of its results. The form always posts: part of a name or city is
 * redirected to ?q= (a page of its own), an address answered to the POST (app/services/signature-search.server.ts).
 */
function SearchSection({
  appealId,
  owner,
  search,
  error,
  typed,
}: {
  appealId: number;
  owner: boolean;
  search: ShownSearch | null;
  error: string | undefined;
  typed: string | undefined;
}) {
  const { t } = useT();
  const base = `/dashboard/appeals/${appealId}/signatures`;
  const result = search?.result;
  // Text searches page by link; address searches by a form that posts the address again.
  const pageLink = (direction: "after" | "before", key: number, label: string, rel: string) =>
    search?.by === "email" ? (
      <Form method="post" className="inline-form">
        <input type="hidden" name="q" value={search.query} />
        <input type="hidden" name={direction} value={key} />
        <button type="submit" name="_intent" value="search" className="link-button">
          {label}
        </button>
      </Form>
    ) : (
      <Link to={`${base}?q=${encodeURIComponent(search?.query ?? "")}&${direction}=${key}#search-h`} rel={rel}>
        {label}
      </Link>
    );
  return (
    <section aria-labelledby="search-h">
      <h2 id="search-h">{t("search.title")}</h2>
      <p className="hint" id="search-hint">
        {owner ? t("search.hint") : t("search.hintEditor")}
      </p>
      <Form method="post" className="stack" role="search" aria-describedby="search-hint">
        <Field
          name="q"
          label={owner ? t("search.label") : t("search.labelEditor")}
          maxLength={200}
          autoComplete="off"
          defaultValue={typed ?? (search?.by === "text" ? search.query : "")}
          error={error}
        />
        <div>
          <button type="submit" name="_intent" value="search">
            {t("search.submit")}
          </button>
          {search ? (
            <>
              {" "}
              <Link to={`${base}#search-h`}>{t("search.clear")}</Link>
            </>
          ) : null}
        </div>
      </Form>
      {result ? (
        <>
          <h3 id="results-h">{t("search.results")}</h3>
          {result.signatures.length === 0 ? (
            <p role="status">{t("search.none")}</p>
          ) : (
            <ScrollTable labelledBy="results-h" wide>
              <SignatureHead actions={t("camp.hide")} />
              <tbody>
                {result.signatures.map((s) => (
                  <tr key={s.id} data-testid="search-row">
                    <SignatureCells signature={s} />
                    <td>
                      <HideForm signature={s} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          )}
          {result.newer || result.older ? (
            <nav aria-label={t("search.pages")} className="signer-pages">
              {result.newer ? pageLink("before", result.newer, t("search.newer"), "prev") : null}
              {result.newer && result.older ? " · " : null}
              {result.older ? pageLink("after", result.older, t("search.older"), "next") : null}
            </nav>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

/** "City, Country", the city (as typed, in any script) in its own isolate. */
/** The head of a table of signatures (recent ones, search results); `actions` names the last column. */
function SignatureHead({ actions }: { actions: string }) {
  const { t } = useT();
  return (
    <thead>
      <tr>
        <th scope="col">{t("camp.name")}</th>
        <th scope="col">{t("camp.place")}</th>
        <th scope="col">{t("camp.when")}</th>
        <th scope="col">{t("camp.disclosure")}</th>
        <th scope="col">{t("camp.status")}</th>
        <th scope="col">
          <span className="visually-hidden">{actions}</span>
        </th>
      </tr>
    </thead>
  );
}

interface SignatureRow {
  id: number;
  name: string;
  hidden: boolean;
  city: string | null;
  countryName: string | null;
  at: string | Date;
  disclosure: string;
  status: string;
  /** The revision of the text signed (signatures.revision), where the rows carry it. */
  revision?: number;
  /** "paper": entered from a paper sheet (app/services/paper.server.ts). */
  source?: string;
}

/** A signature's cells: name and city each in an isolate, in a cell that clips stacked marks (public/app.css). */
function SignatureCells({ signature: s, revisions = false }: { signature: SignatureRow; revisions?: boolean }) {
  const { t, date } = useT();
  return (
    <>
      <td className="name-cell">
        <bdi>{s.name}</bdi>
        {s.hidden ? <span className="badge"> {t("camp.hidden")}</span> : null}
        {s.source === "paper" ? <span className="hint"> · {t("paper.onPaper")}</span> : null}
      </td>
      <td className="name-cell">
        <Place city={s.city} country={s.countryName} />
      </td>
      <td>
        {date(s.at, "datetime")}
        {/* Once the text was corrected, which revision each person signed (issue 17 item 5). */}
        {revisions && s.revision ? <span className="hint"> · {t("revisions.signedRevision", { revision: s.revision })}</span> : null}
      </td>
      <td>{t(`camp.disclosure.${s.disclosure}` as MessageKey)}</td>
      <td>{t(`camp.status.${s.status}` as MessageKey)}</td>
    </>
  );
}

function HideForm({ signature: s }: { signature: Pick<SignatureRow, "id" | "hidden"> }) {
  const { t } = useT();
  return (
    <Form method="post">
      <input type="hidden" name="signatureId" value={s.id} />
      <button type="submit" name="_intent" value={s.hidden ? "unhide" : "hide"} className="link-button">
        {s.hidden ? t("camp.unhide") : t("camp.hide")}
      </button>
    </Form>
  );
}

function Place({ city, country }: { city: string | null; country: string | null }) {
  return (
    <>
      {city ? <bdi>{city}</bdi> : null}
      {city && country ? ", " : null}
      {country}
    </>
  );
}

function PlaceTable({ rows, labelledBy }: { rows: Array<{ label: string; n: number; city?: string | null; country?: string | null }>; labelledBy: string }) {
  const { t, number } = useT();
  return (
    <ScrollTable labelledBy={labelledBy} className="compact">
      <thead>
        <tr>
          <th scope="col">{t("camp.place")}</th>
          <th scope="col">{t("camp.count")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}>
            <td className="name-cell">{r.city === undefined ? r.label : <Place city={r.city} country={r.country ?? null} />}</td>
            <td>{number(r.n)}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { FormError, errorText } from "~/components/form";
import { isContentLang, languageName, type MessageKey } from "~/i18n";
import { useT } from "~/i18n/react";
import { deliverLetter, lettersPage, requestLetters } from "~/services/letters.server";
import { requireUser } from "~/services/session.server";
import { actionError, loaderError, reply } from "~/utils/action-errors.server";
import { formValues, idOf } from "~/utils/forms";
import { useEditor } from "./dashboard.appeals.$id";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    return json(await lettersPage(Number(params.id), user.id), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return loaderError(error);
  }
}

// While a letter is being made, the page refreshes itself (no JavaScript needed). A route's meta
// replaces its parents', so the editor's <title> is carried over (else the tab has no title).
export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  const parent = matches.find((m) => m.id === "routes/dashboard.appeals.$id")?.meta ?? [];
  return data?.letters.some((l) => l.status === "pending" || l.status === "running") ? [...parent, { httpEquiv: "refresh", content: "2" }] : parent;
};

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const formData = await request.formData();
  const intent = String(formData.get("_intent") ?? "");
  try {
    if (intent === "deliver") {
      const count = await deliverLetter(id, user.id, idOf(formData.get("letterId")));
      return reply({ notice: String(count) });
    }
    const lang = String(formData.get("lang") ?? "");
    if (intent === "all") await requestLetters(id, user.id, { all: true });
    else if (intent === "combined") await requestLetters(id, user.id, { combined: true });
    else await requestLetters(id, user.id, { lang });
    return reply({});
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

function statusText(t: (k: MessageKey, v?: Record<string, string | number>) => string, status: string, progress: number) {
  if (status === "running") return t("letters.status.running", { progress });
  return t(`letters.status.${status}` as MessageKey);
}

export default function Letters() {
  const { letters, deliveries, addresseesWithEmail, appeal } = useLoaderData<typeof loader>();
  const { versions } = useEditor();
  const data = useActionData<typeof action>();
  const { t, plural, lang: ui, date, number } = useT();
  const base = `/dashboard/appeals/${appeal.id}/letters`;
  // The newest "all languages" batch: consecutive single letters created together.
  const ready = letters.filter((l) => l.status === "ready" && l.kind === "single");
  const latestBatch = ready.filter((l) => Math.abs(new Date(l.created_at).getTime() - new Date(ready[0]?.created_at ?? 0).getTime()) < 2000);
  return (
    <>
      <h2>{t("letters.title")}</h2>
      <p className="hint">{t("letters.intro")}</p>
      {data?.errors._form ? <FormError>{errorText(t, data.errors._form)}</FormError> : null}
      {data?.notice ? <p className="notice" role="status">{plural("letters.delivered", Number(data.notice))}</p> : null}
      {appeal.status !== "draft" ? (
        <div className="stack">
          <Form method="post" className="row-actions">
            <label htmlFor="f-letter-lang">{t("letters.generateOne")}</label>
            <select id="f-letter-lang" name="lang" defaultValue={appeal.original_language}>
              {versions.map((v) => (
                <option key={v.lang} value={v.lang}>{languageName(v.lang, ui)}</option>
              ))}
            </select>
            <button type="submit" name="_intent" value="one">{t("letters.generate")}</button>
          </Form>
          <Form method="post" className="row-actions">
            <button type="submit" name="_intent" value="all" className="button button-secondary">{t("letters.generateAll")}</button>
            <button type="submit" name="_intent" value="combined" className="button button-secondary">{t("letters.generateCombined")}</button>
          </Form>
        </div>
      ) : (
        <p>{t("letters.draft")}</p>
      )}
      {letters.length === 0 ? (
        <p>{t("letters.none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("letters.code")}</th>
              <th scope="col">{t("letters.language")}</th>
              <th scope="col">{t("letters.revision")}</th>
              <th scope="col">{t("letters.count")}</th>
              <th scope="col">{t("letters.created")}</th>
              <th scope="col">{t("letters.status")}</th>
            </tr>
          </thead>
          <tbody>
            {letters.map((l) => (
              <tr key={l.id}>
                <td><a href={`/verify/${l.code}`}><code>{l.code}</code></a></td>
                <td>{l.kind === "combined" ? t("letters.combined") : isContentLang(l.lang) ? languageName(l.lang, ui) : l.lang}</td>
                <td>{l.revision}</td>
                <td>{l.status === "ready" ? number(l.count) : "—"}</td>
                <td>{date(l.created_at, "datetime")}</td>
                <td>
                  {statusText(t, l.status, l.progress)}
                  {l.status === "ready" ? (
                    <>
                      {" · "}
                      <a href={`${base}/${l.id}.pdf`} download>{t("letters.download")}</a>
                      {l.flagged_names.length ? <p className="hint">{plural("letters.flagged", l.flagged_names.length)}</p> : null}
                      {addresseesWithEmail > 0 ? (
                        <Form method="post">
                          <input type="hidden" name="letterId" value={l.id} />
                          <button type="submit" name="_intent" value="deliver" className="link-button" title={plural("letters.deliverHint", addresseesWithEmail)}>
                            {t("letters.deliver")}
                          </button>
                        </Form>
                      ) : null}
                    </>
                  ) : null}
                  {l.status === "failed" ? <p className="field-error">{t(`letters.error.${l.error ?? "failed"}` as MessageKey)}</p> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {latestBatch.length > 1 ? (
        <p>
          <a className="button button-secondary" href={`${base}.zip?ids=${latestBatch.map((l) => l.id).join(",")}`}>{t("letters.downloadZip")}</a>
        </p>
      ) : null}
      {deliveries.length ? (
        <section aria-labelledby="deliveries-h">
          <h3 id="deliveries-h">{t("letters.deliveries")}</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">{t("letters.addressee")}</th>
                <th scope="col">{t("letters.code")}</th>
                <th scope="col">{t("letters.created")}</th>
                <th scope="col">{t("letters.outcome")}</th>
                <th scope="col">{t("letters.digest")}</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{d.addressee}</td>
                  <td><code>{d.code}</code></td>
                  <td>{date(d.created_at, "datetime")}</td>
                  <td>{t(`letters.outcome.${d.outcome ?? "pending"}` as MessageKey)}</td>
                  <td><code className="digest">{d.digest.slice(0, 16)}…</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}

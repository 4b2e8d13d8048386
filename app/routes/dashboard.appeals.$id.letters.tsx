import { Fragment } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { ConfirmBox } from "~/components/confirm-box";
import { FormError, errorText } from "~/components/form";
import { ScrollTable } from "~/components/scroll-table";
import { isContentLang, languageName, type MessageKey } from "~/i18n";
import { useT } from "~/i18n/react";
import { deliver, resend, reviewDelivery, reviewResend } from "~/services/delivery.server";
import { lettersPage, requestLetters } from "~/services/letters.server";
import { requireUser } from "~/services/session.server";
import { actionError, loaderError, reply } from "~/utils/action-errors.server";
import { isolate } from "~/utils/bidi";
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

type Review = Awaited<ReturnType<typeof reviewDelivery>>;
type ResendReview = Awaited<ReturnType<typeof reviewResend>>;

/**
 * Sending is two POSTs, both plain forms (no JavaScript needed): "review" answers with what would
 * happen and a signed, short-lived intent; "deliver" (or "resend") carries that intent back and
 * does exactly that. See app/services/delivery.server.ts.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const formData = await request.formData();
  const intent = String(formData.get("_intent") ?? "");
  const answer = (part: { review?: Review; resendReview?: ResendReview; sent?: number; repeated?: boolean; resent?: boolean }) =>
    json({
      ok: true,
      errors: {} as Record<string, string>,
      notice: null,
      review: null,
      resendReview: null,
      sent: null,
      repeated: false,
      resent: null,
      ...part,
    });
  try {
    if (intent === "review") return answer({ review: await reviewDelivery(id, user.id) });
    if (intent === "deliver") {
      const { sent, skipped } = await deliver(id, user.id, formData.get("token"));
      return answer({ sent, repeated: sent === 0 && skipped > 0 });
    }
    if (intent === "resendReview") return answer({ resendReview: await reviewResend(id, user.id, idOf(formData.get("deliveryId"))) });
    if (intent === "resend") return answer({ resent: (await resend(id, user.id, formData.get("token"))).sent > 0 });
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

/** At most this many transliterated names are listed under a letter; the rest are counted. */
const FLAGGED_SHOWN = 50;

/**
 * Which names a letter printed transliterated (no bundled font draws their script), not only how
 * many: each as the signer wrote it, in its own isolate, so the organizer can check the letter
 * or ask the signer. Only members of the appeal's organization see this page.
 */
function FlaggedNames({ names }: { names: string[] }) {
  const { plural, number } = useT();
  const rest = names.length - FLAGGED_SHOWN;
  return (
    <details className="flagged-names">
      <summary className="hint">{plural("letters.flagged", names.length)}</summary>
      <ul>
        {names.slice(0, FLAGGED_SHOWN).map((name, i) => (
          <li key={i} className="name-row">
            <bdi>{name}</bdi>
          </li>
        ))}
      </ul>
      {rest > 0 ? <p className="hint">{plural("letters.flaggedMore", rest, { count: number(rest) })}</p> : null}
    </details>
  );
}

export default function Letters() {
  const { letters, deliveries, appeal, encryptedFor } = useLoaderData<typeof loader>();
  const { versions } = useEditor();
  const data = useActionData<typeof action>();
  const { t, lang: ui, date, number, plural } = useT();
  const review = data && "review" in data ? data.review : null;
  const resendReview = data && "resendReview" in data ? data.resendReview : null;
  const outcome = data && "sent" in data ? data : null;
  const langName = (l: string) => (isContentLang(l) ? languageName(l, ui) : l);
  const base = `/dashboard/appeals/${appeal.id}/letters`;
  // The ZIP download sends the organizer back here when two downloads of theirs are running.
  const zipError = useSearchParams()[0].get("zipError");
  const zipBusy = zipError === "export.busy" || zipError === "export.serverBusy" ? zipError : null;
  // The newest "all languages" batch: consecutive single letters created together.
  const ready = letters.filter((l) => l.status === "ready" && l.kind === "single");
  const latestBatch = ready.filter((l) => Math.abs(new Date(l.created_at).getTime() - new Date(ready[0]?.created_at ?? 0).getTime()) < 2000);
  return (
    <>
      <h2 id="letters-h">{t("letters.title")}</h2>
      <p className="hint">{t("letters.intro")}</p>
      {data?.errors._form ? <FormError>{errorText(t, data.errors._form)}</FormError> : null}
      {zipBusy ? <FormError>{t(zipBusy)}</FormError> : null}
      {outcome?.sent ? (
        <p className="notice" role="status">
          {plural("delivery.sent", outcome.sent)}
        </p>
      ) : null}
      {outcome?.repeated ? (
        <p className="notice" role="status">
          {t("delivery.repeated")}
        </p>
      ) : null}
      {outcome?.resent !== null && outcome?.resent !== undefined ? (
        <p className="notice" role="status">
          {t(outcome.resent ? "delivery.resent" : "delivery.resentAlready")}
        </p>
      ) : null}
      {review ? (
        <section aria-labelledby="delivery-confirm-h" className="confirm-box">
          <h3 id="delivery-confirm-h">{t("delivery.confirmTitle")}</h3>
          <p>
            <strong>{t(review.closes ? "delivery.closes" : "delivery.alreadyClosed")}</strong>
          </p>
          {review.contact ? <p>{t("delivery.replyTo", { organization: isolate(review.organization), contact: review.contact })}</p> : null}
          {review.rows.length ? (
            <>
              <p id="delivery-will-send">{t("delivery.willSend")}</p>
              <ScrollTable labelledBy="delivery-will-send">
                <thead>
                  <tr>
                    <th scope="col">{t("letters.addressee")}</th>
                    <th scope="col">{t("delivery.colLanguage")}</th>
                    <th scope="col">{t("delivery.colLetter")}</th>
                    <th scope="col">{t("delivery.colWhat")}</th>
                  </tr>
                </thead>
                <tbody>
                  {review.rows.map((r) => (
                    <tr key={r.addresseeId}>
                      <td>
                        <bdi>{r.addressee}</bdi>
                      </td>
                      <td>{langName(r.lang)}</td>
                      <td>{r.letter ? <code>{r.letter.code}</code> : "—"}</td>
                      <td>
                        {!r.letter
                          ? t("delivery.noLetter", { revision: appeal.current_revision })
                          : r.sentAt
                            ? t("delivery.sentBefore", { date: date(r.sentAt, "datetime") })
                            : t("delivery.willSendRow")}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </ScrollTable>
            </>
          ) : null}
          {review.problems.map((p) => (
            <p key={p} className={p === "delivery.nothingToSend" ? "notice" : "form-error"}>
              {t(p)}
              {p === "delivery.noContact" ? (
                <>
                  {" "}
                  <a href={`/dashboard/orgs/${appeal.organization_id}`}>{t("delivery.contact")}</a>
                </>
              ) : null}
            </p>
          ))}
          <div className="row-actions">
            {review.token ? (
              <Form method="post">
                <input type="hidden" name="token" value={review.token} />
                <button type="submit" name="_intent" value="deliver" className={review.closes ? "button-danger" : undefined}>
                  {plural("delivery.confirm", review.count)}
                </button>
              </Form>
            ) : null}
            <a href={base}>{t("delivery.cancel")}</a>
          </div>
        </section>
      ) : null}
      {resendReview ? (
        <ConfirmBox
          id="resend-confirm-h"
          heading={t("delivery.resendTitle")}
          token={resendReview.token}
          intent="resend"
          confirmLabel={t("delivery.resendConfirm")}
          cancelHref={base}
          cancelLabel={t("delivery.cancel")}
        >
          <p>
            {t("delivery.resendText", {
              code: resendReview.code,
              language: langName(resendReview.lang),
              addressee: resendReview.addressee,
              date: date(resendReview.sentAt, "datetime"),
            })}
          </p>
        </ConfirmBox>
      ) : null}
      {appeal.status !== "draft" ? (
        <div className="stack">
          <Form method="post" className="row-actions">
            <label htmlFor="f-letter-lang">{t("letters.generateOne")}</label>
            <select id="f-letter-lang" name="lang" defaultValue={appeal.original_language}>
              {versions.map((v) => (
                <option key={v.lang} value={v.lang}>
                  {languageName(v.lang, ui)}
                </option>
              ))}
            </select>
            <button type="submit" name="_intent" value="one">
              {t("letters.generate")}
            </button>
          </Form>
          <Form method="post" className="row-actions">
            <button type="submit" name="_intent" value="all" className="button button-secondary">
              {t("letters.generateAll")}
            </button>
            <button type="submit" name="_intent" value="combined" className="button button-secondary">
              {t("letters.generateCombined")}
            </button>
          </Form>
        </div>
      ) : (
        <p>{t("letters.draft")}</p>
      )}
      {letters.length === 0 ? (
        <p>{t("letters.none")}</p>
      ) : (
        <ScrollTable labelledBy="letters-h" wide>
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
                <td>
                  <a href={`/verify/${l.code}`}>
                    <code>{l.code}</code>
                  </a>
                </td>
                <td>{l.kind === "combined" ? t("letters.combined") : isContentLang(l.lang) ? languageName(l.lang, ui) : l.lang}</td>
                <td>{l.revision}</td>
                <td>{l.status === "ready" ? number(l.count) : "—"}</td>
                <td>{date(l.created_at, "datetime")}</td>
                <td>
                  {statusText(t, l.status, l.progress)}
                  {l.status === "ready" ? (
                    <>
                      {" · "}
                      <a href={`${base}/${l.id}.pdf`} download>
                        {t("letters.download")}
                      </a>
                      {encryptedFor
                        .filter((a) => l.kind === "combined" || a.lang === l.lang)
                        .map((a) => (
                          <Fragment key={a.id}>
                            {" · "}
                            <a href={`${base}/${l.id}.pdf?for=${a.id}`} download>
                              {t("openpgp.downloadEncrypted", { name: isolate(a.name) })}
                            </a>
                          </Fragment>
                        ))}
                      {l.flagged_names.length ? <FlaggedNames names={l.flagged_names} /> : null}
                    </>
                  ) : null}
                  {l.status === "failed" ? <p className="field-error">{t(`letters.error.${l.error ?? "failed"}` as MessageKey)}</p> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      {latestBatch.length > 1 ? (
        <p>
          <a className="button button-secondary" href={`${base}.zip?ids=${latestBatch.map((l) => l.id).join(",")}`}>
            {t("letters.downloadZip")}
          </a>
        </p>
      ) : null}
      {appeal.status !== "draft" ? (
        <section aria-labelledby="deliver-h">
          <h3 id="deliver-h">{t("delivery.title")}</h3>
          <p className="hint">{t("delivery.intro")}</p>
          <Form method="post">
            <button type="submit" name="_intent" value="review">
              {t("delivery.review")}
            </button>
          </Form>
        </section>
      ) : null}
      {deliveries.length ? (
        <section aria-labelledby="deliveries-h">
          <h3 id="deliveries-h">{t("letters.deliveries")}</h3>
          <ScrollTable labelledBy="deliveries-h" wide>
            <thead>
              <tr>
                <th scope="col">{t("letters.addressee")}</th>
                <th scope="col">{t("letters.code")}</th>
                <th scope="col">{t("letters.created")}</th>
                <th scope="col">{t("letters.outcome")}</th>
                <th scope="col">{t("letters.digest")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("delivery.resend")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td>
                    <bdi>{d.addressee}</bdi>
                  </td>
                  <td>
                    <code>{d.code}</code>
                  </td>
                  <td>{date(d.created_at, "datetime")}</td>
                  <td>{t(`letters.outcome.${d.outcome ?? "pending"}` as MessageKey)}</td>
                  <td>
                    <code className="digest">{d.digest.slice(0, 16)}…</code>
                  </td>
                  <td>
                    {d.canResend ? (
                      <Form method="post">
                        <input type="hidden" name="deliveryId" value={d.id} />
                        <button type="submit" name="_intent" value="resendReview" className="link-button">
                          {t("delivery.resend")}
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        </section>
      ) : null}
    </>
  );
}

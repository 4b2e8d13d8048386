import { ConfirmBox } from "~/components/confirm-box";
import type { ActionFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData } from "@remix-run/react";
import { Field, FormError, errorText } from "~/components/form";
import { PublishProblems } from "~/components/publish-problems";
import { ShareSnippets } from "~/components/share-snippets";
import { StaleConfirm } from "~/components/stale-confirm";
import { CONTENT_LANGUAGES, NATIVE_NAMES, languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { addLanguageSchema, publishSchema } from "~/schemas/appeal";
import { closeAppeal, deleteDraft, editorView, publish, saveVersion } from "~/services/appeals.server";
import { requireUser } from "~/services/session.server";
import { actionError, reply } from "~/utils/action-errors.server";
import { formValues, parseForm } from "~/utils/forms";
import { readIntent, signIntent } from "~/utils/intent.server";
import { useEditor } from "./dashboard.appeals.$id";

const emptyReply = { ok: true, errors: {} as Record<string, string>, values: {} as Record<string, string>, problems: [], stale: null, notice: null };

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const formData = await request.formData();
  const intent = formData.get("_intent");
  try {
    if (intent === "publish") {
      const form = parseForm(publishSchema, formData);
      if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
      const revision = await publish(id, user.id, form.data);
      return reply({ notice: String(revision) });
    }
    // Closing and deleting cannot be undone: the first POST answers with a confirmation (and a
    // signed, short-lived intent), the second carries it back. No JavaScript needed.
    if (intent === "close" || intent === "delete") {
      await editorView(id, user.id); // 403/404 before anything is signed
      return json({ ...emptyReply, confirm: intent, token: signIntent({ action: intent, appealId: id, userId: user.id, data: [] }) });
    }
    if (intent === "closeConfirmed") {
      if (!readIntent(formData.get("token"), { action: "close", appealId: id, userId: user.id })) return reply({ errors: { _form: "delivery.expired" } }, 409);
      await closeAppeal(id, user.id);
      return reply({});
    }
    if (intent === "deleteConfirmed") {
      if (!readIntent(formData.get("token"), { action: "delete", appealId: id, userId: user.id })) return reply({ errors: { _form: "delivery.expired" } }, 409);
      await deleteDraft(id, user.id);
      return redirect("/dashboard");
    }
    if (intent === "addLanguage") {
      const form = parseForm(addLanguageSchema, formData);
      if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
      const { versions } = await editorView(id, user.id);
      if (!versions.some((v) => v.lang === form.data.lang)) await saveVersion(id, user.id, form.data.lang, { title: "", summary: "", body: "" });
      return redirect(`/dashboard/appeals/${id}/text/${form.data.lang}`);
    }
    return reply({ errors: { _form: "form.invalid" } }, 400);
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function AppealOverview() {
  const { appeal, versions, revisions, problems: current, appUrl, organization, stale } = useEditor();
  const data = useActionData<typeof action>();
  const { t, lang, date } = useT();
  const base = `/dashboard/appeals/${appeal.id}`;
  const problems = data?.problems.length ? data.problems : current;
  const confirm = data && "confirm" in data && "token" in data && typeof data.token === "string" ? { confirm: data.confirm, token: data.token } : null;
  const originalFirst = [...versions].sort((a, b) => Number(b.lang === appeal.original_language) - Number(a.lang === appeal.original_language));
  const missing = CONTENT_LANGUAGES.filter((c) => !versions.some((v) => v.lang === c));
  return (
    <>
      {data?.notice ? (
        <p className="notice" role="status">
          {t("dash.published", { revision: data.notice })}
        </p>
      ) : null}
      {data?.stale ? <FormError>{t("appeal.stale", { revision: data.stale })}</FormError> : null}
      {data?.errors._form ? <FormError>{errorText(t, data.errors._form)}</FormError> : null}
      <p>
        {t("dash.status")}: <strong>{t(`status.${appeal.status}`)}</strong>
        {appeal.current_revision ? <> · {t("dash.revision", { revision: appeal.current_revision })}</> : null}
      </p>

      <h2>{t("dash.versions")}</h2>
      <ul>
        {originalFirst.map((v) => (
          <li key={v.lang}>
            <Link to={`${base}/text/${v.lang}`}>{languageName(v.lang, lang)}</Link>
            {v.lang === appeal.original_language ? <span className="hint"> ({t("appeal.original")})</span> : null}
            {stale.includes(v.lang) ? (
              <>
                {" "}
                <strong className="badge badge-stale">{t("revisions.stale")}</strong>
              </>
            ) : null}
            {v.title ? (
              <>
                {" "}
                — <span lang={v.lang}>{v.title}</span>
              </>
            ) : null}
          </li>
        ))}
      </ul>
      {missing.length ? (
        <Form method="post" className="row-actions">
          <input type="hidden" name="_intent" value="addLanguage" />
          <label htmlFor="f-lang" className="visually-hidden">
            {t("dash.addLanguage")}
          </label>
          <select id="f-lang" name="lang" aria-invalid={data?.errors.lang ? true : undefined} aria-describedby={data?.errors.lang ? "f-lang-error" : undefined}>
            {missing.map((c) => (
              <option key={c} value={c}>
                {NATIVE_NAMES[c]}
              </option>
            ))}
          </select>
          <button type="submit" className="button button-secondary">
            {t("dash.addLanguage")}
          </button>
        </Form>
      ) : null}
      {data?.errors.lang ? (
        <p id="f-lang-error" className="field-error">
          {errorText(t, data.errors.lang)}
        </p>
      ) : null}

      {appeal.status === "draft" ? (
        <section aria-labelledby="publish-h">
          <h2 id="publish-h">{t("dash.publish")}</h2>
          <p className="hint">{t("dash.publishHint")}</p>
          {organization.status === "pending" ? (
            <p className="notice" role="status">
              {t("register.pendingPublish")}
            </p>
          ) : null}
          <PublishProblems problems={problems} />
          <Form method="post" className="stack" noValidate>
            <input type="hidden" name="_intent" value="publish" />
            <input type="hidden" name="baseRevision" value={appeal.current_revision} />
            <StaleConfirm stale={stale} error={data?.errors.confirmStale} />
            <div>
              <button type="submit">{t("dash.publish")}</button>
            </div>
          </Form>
        </section>
      ) : null}

      {appeal.status === "published" ? (
        <section aria-labelledby="correction-h">
          <h2 id="correction-h">{t("dash.publishCorrection")}</h2>
          <p className="hint">{t("dash.frozenNote")}</p>
          {data?.problems.length ? <PublishProblems problems={data.problems} /> : null}
          <Form method="post" className="stack" noValidate>
            <input type="hidden" name="_intent" value="publish" />
            <input type="hidden" name="baseRevision" value={appeal.current_revision} />
            <Field
              name="changeNote"
              label={t("dash.changeNote")}
              required
              defaultValue={data?.values.changeNote}
              error={data?.errors.changeNote}
              maxLength={500}
            />
            <StaleConfirm stale={stale} error={data?.errors.confirmStale} />
            <div>
              <button type="submit">{t("dash.publishCorrection")}</button>
            </div>
          </Form>
          {revisions.length > 1 ? (
            <ul>
              {revisions.map((r) => (
                <li key={r.number}>
                  {t("dash.revision", { revision: r.number })} — {date(r.created_at)}
                  {r.change_note ? `: ${r.change_note}` : ""}
                </li>
              ))}
            </ul>
          ) : null}
          <h2>{t("dash.close")}</h2>
          {confirm?.confirm === "close" ? (
            <ConfirmBox
              id="close-confirm-h"
              heading={t("delivery.closeTitle")}
              token={confirm.token}
              intent="closeConfirmed"
              confirmLabel={t("delivery.closeConfirm")}
              danger
              cancelHref={base}
              cancelLabel={t("delivery.cancel")}
            >
              <p>{t("delivery.closeText")}</p>
            </ConfirmBox>
          ) : (
            <Form method="post">
              <input type="hidden" name="_intent" value="close" />
              <p className="hint">{t("dash.closeConfirm")}</p>
              <button type="submit" className="button button-danger">
                {t("dash.close")}…
              </button>
            </Form>
          )}
        </section>
      ) : null}

      {appeal.status !== "draft" ? (
        <ShareSnippets
          appUrl={appUrl}
          slug={appeal.slug}
          lang={appeal.original_language}
          title={originalFirst[0]?.title ?? appeal.slug}
          languages={originalFirst.filter((v) => v.title).map((v) => v.lang)}
        />
      ) : null}

      {appeal.status === "draft" && confirm?.confirm === "delete" ? (
        <ConfirmBox
          id="delete-confirm-h"
          level={2}
          className="separated"
          heading={t("delivery.deleteTitle")}
          token={confirm.token}
          intent="deleteConfirmed"
          confirmLabel={t("delivery.deleteConfirm")}
          danger
          cancelHref={base}
          cancelLabel={t("delivery.cancel")}
        >
          <p>{t("delivery.deleteText")}</p>
        </ConfirmBox>
      ) : appeal.status === "draft" ? (
        <Form method="post" className="separated">
          <input type="hidden" name="_intent" value="delete" />
          <button type="submit" className="button button-secondary">
            {t("dash.deleteDraft")}…
          </button>
        </Form>
      ) : null}
    </>
  );
}

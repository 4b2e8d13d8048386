import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useParams } from "@remix-run/react";
import { DiffText } from "~/components/diff-text";
import { Field, FormError } from "~/components/form";
import { isContentLang, isRtlLang, languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { versionSchema } from "~/schemas/appeal";
import { removeVersion, saveVersion } from "~/services/appeals.server";
import { requireUser } from "~/services/session.server";
import { actionError, reply } from "~/utils/action-errors.server";
import { formValues, parseForm } from "~/utils/forms";
import { useEditor } from "./dashboard.appeals.$id";

export async function loader({ params }: LoaderFunctionArgs) {
  if (!isContentLang(params.lang)) throw new Response(null, { status: 404 });
  return null;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const lang = params.lang ?? "";
  if (!isContentLang(lang)) throw new Response(null, { status: 404 });
  const formData = await request.formData();
  try {
    if (formData.get("_intent") === "remove") {
      await removeVersion(id, user.id, lang);
      return redirect(`/dashboard/appeals/${id}`);
    }
    const form = parseForm(versionSchema, formData);
    if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
    await saveVersion(id, user.id, lang, form.data);
    return reply({ notice: "saved", values: formValues(formData) });
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function VersionEditor() {
  const { appeal, versions, staleChanges } = useEditor();
  const params = useParams();
  const lang = params.lang ?? "";
  const data = useActionData<typeof action>();
  const { t, lang: ui } = useT();
  const version = versions.find((v) => v.lang === lang);
  // An Arabic or Persian version is typed right to left (the labels around it stay in the interface's language).
  const dir = isRtlLang(lang) ? "rtl" : undefined;
  const values = data?.values ?? {};
  const errors = data?.errors ?? {};
  const base = `/dashboard/appeals/${appeal.id}`;
  const originalChanges = staleChanges[lang];
  const fields = originalChanges ? (["title", "summary", "body"] as const).filter((f) => originalChanges[f].some((p) => p.op !== "same")) : [];
  return (
    <>
      <nav aria-label={t("dash.versions")}>
        <ul className="inline-list">
          {[...versions]
            .sort((a, b) => Number(b.lang === appeal.original_language) - Number(a.lang === appeal.original_language))
            .map((v) => (
              <li key={v.lang}>
                <Link to={`${base}/text/${v.lang}`} aria-current={v.lang === lang ? "page" : undefined}>
                  {languageName(v.lang, ui)}
                </Link>
              </li>
            ))}
        </ul>
      </nav>
      <h2>
        {languageName(lang, ui)}
        {lang === appeal.original_language ? <span className="hint"> ({t("appeal.original")})</span> : null}
      </h2>
      {appeal.status !== "draft" ? <p className="hint">{t("dash.frozenNote")}</p> : null}
      {originalChanges ? (
        <section aria-labelledby="stale-h" className="notice">
          <h3 id="stale-h">{t("revisions.stale")}</h3>
          <p>{t("revisions.staleNotice", { language: languageName(appeal.original_language, ui) })}</p>
          <p className="hint">{t("revisions.legend")}</p>
          {fields.map((f) => (
            <div key={f}>
              <h4>{t(`revisions.field.${f}`)}</h4>
              <DiffText parts={originalChanges[f]} lang={appeal.original_language} />
            </div>
          ))}
          <p className="hint">{t("revisions.staleSaveHint")}</p>
        </section>
      ) : null}
      {data?.notice === "saved" ? (
        <p className="notice" role="status">
          {t("dash.saved")}
        </p>
      ) : null}
      {data?.stale ? <FormError>{t("appeal.stale", { revision: data.stale })}</FormError> : null}
      {Object.keys(errors).length ? <FormError>{t("form.fixErrors")}</FormError> : null}
      <Form method="post" className="stack" noValidate key={lang}>
        <input type="hidden" name="baseRevision" value={appeal.current_revision} />
        <Field
          name="title"
          label={t("dash.titleField")}
          lang={lang}
          dir={dir}
          defaultValue={values.title ?? version?.title}
          error={errors.title}
          maxLength={300}
        />
        <Field
          name="summary"
          label={t("dash.summary")}
          lang={lang}
          dir={dir}
          defaultValue={values.summary ?? version?.summary}
          error={errors.summary}
          maxLength={600}
          multiline
          rows={3}
        />
        <Field
          name="body"
          label={t("dash.body")}
          hint={t("dash.bodyHint")}
          lang={lang}
          dir={dir}
          defaultValue={values.body ?? version?.body}
          error={errors.body}
          multiline
          rows={18}
        />
        <div>
          <button type="submit">{t("form.save")}</button>
        </div>
      </Form>
      {lang !== appeal.original_language && version ? (
        <Form method="post" className="separated">
          <input type="hidden" name="_intent" value="remove" />
          <button type="submit" className="button button-secondary">
            {t("dash.removeLanguage")}
          </button>
        </Form>
      ) : null}
    </>
  );
}

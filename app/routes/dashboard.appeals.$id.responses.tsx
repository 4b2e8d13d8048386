import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError, errorText } from "~/components/form";
import { languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { RESPONSE_TEXT_MAX, responseSchema } from "~/schemas/response";
import { appealForMember } from "~/services/access.server";
import { editorView } from "~/services/appeals.server";
import { addresseeChoices, recordResponse, responseFrom } from "~/services/responses.server";
import { updatesOf } from "~/services/updates.server";
import { requireUser } from "~/services/session.server";
import { actionError, loaderError, reply } from "~/utils/action-errors.server";
import { formValues, parseForm } from "~/utils/forms";
import { requestLanguage } from "~/utils/lang.server";
import { readUploadForm, uploadedFile } from "~/services/upload-form.server";
import { useEditor } from "./dashboard.appeals.$id";

/** The institution answers (issue 17 item 8): record an addressee's response; the recorded ones. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const { appeal } = await appealForMember(Number(params.id), user.id);
    const lang = requestLanguage(request).lang;
    const recorded = (await updatesOf(appeal.id))
      .filter((u) => u.kind === "response")
      .map((u) => ({
        id: u.id,
        from: responseFrom(u.addressee, lang, appeal.original_language),
        receivedOn: u.received_on,
        createdAt: new Date(u.created_at).toISOString(),
        recipients: u.recipients,
        file: u.file_name,
      }));
    return json({ recorded, addressees: await addresseeChoices(appeal.id, user.id, lang), today: new Date().toISOString().slice(0, 10) });
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  // The texts may be long (the schema refuses more than RESPONSE_TEXT_MAX): read a little more, never cut silently.
  const formData = await readUploadForm(request, RESPONSE_TEXT_MAX + 1000);
  try {
    const { appeal } = await appealForMember(id, user.id);
    const langs = (await editorView(id, user.id)).versions.map((v) => v.lang);
    const addressees = await addresseeChoices(appeal.id, user.id, "en");
    const form = parseForm(
      responseSchema(
        langs,
        addressees.map((a) => a.id),
      ),
      formData,
    );
    if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
    const file = await uploadedFile(formData);
    const recorded = await recordResponse(appeal.id, user.id, { ...form.data, file });
    return reply({ notice: String(recorded.recipients) });
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function Responses() {
  const { recorded, addressees, today } = useLoaderData<typeof loader>();
  const { versions, appeal } = useEditor();
  const data = useActionData<typeof action>();
  const { t, plural, lang, date } = useT();
  const values = data?.ok ? {} : (data?.values ?? {});
  const errors = data?.errors ?? {};
  const langs = [appeal.original_language, ...versions.map((v) => v.lang).filter((l) => l !== appeal.original_language)];
  const fieldErrors = Object.keys(errors).filter((k) => k !== "_form");
  return (
    <>
      <h2>{t("responses.title")}</h2>
      <p className="hint">{t("responses.hint")}</p>
      {data?.notice ? (
        <p className="notice" role="status">
          {plural("responses.recorded", Number(data.notice))}
        </p>
      ) : null}
      {errors._form ? <FormError>{errorText(t, errors._form)}</FormError> : fieldErrors.length ? <FormError>{t("form.fixErrors")}</FormError> : null}
      {addressees.length === 0 ? (
        <p>{t("responses.noAddressees")}</p>
      ) : (
        // A new, empty form once a response is recorded (the key changes with the list).
        <Form key={recorded.length} method="post" encType="multipart/form-data" className="stack" noValidate>
          <div>
            <label htmlFor="f-addressee">{t("responses.addressee")}</label>
            <select
              id="f-addressee"
              name="addressee"
              defaultValue={values.addressee ?? String(addressees[0]?.id ?? "")}
              aria-invalid={errors.addressee ? true : undefined}
              aria-describedby={errors.addressee ? "f-addressee-error" : undefined}
            >
              {addressees.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.label}
                </option>
              ))}
            </select>
            {errors.addressee ? (
              <p id="f-addressee-error" className="field-error">
                {errorText(t, errors.addressee)}
              </p>
            ) : null}
          </div>
          <Field name="receivedOn" type="date" label={t("responses.receivedOn")} defaultValue={values.receivedOn ?? today} error={errors.receivedOn} required />
          <p className="hint">{t("responses.textHint")}</p>
          {langs.map((l) => (
            <Field
              key={l}
              name={`body.${l}`}
              label={t("responses.textIn", { language: languageName(l, lang) })}
              lang={l}
              defaultValue={values[`body.${l}`]}
              error={errors[`body.${l}`]}
              multiline
              rows={8}
            />
          ))}
          <div>
            <label htmlFor="f-file">{t("responses.file")}</label>
            <input
              id="f-file"
              type="file"
              name="file"
              accept="application/pdf,image/png,image/jpeg"
              aria-invalid={errors.file ? true : undefined}
              aria-describedby={errors.file ? "f-file-error" : undefined}
            />
            {errors.file ? (
              <p id="f-file-error" className="field-error">
                {errorText(t, errors.file)}
              </p>
            ) : null}
          </div>
          <div>
            <button type="submit">{t("responses.record")}</button>
          </div>
        </Form>
      )}
      <h3>{t("responses.recordedList")}</h3>
      {recorded.length === 0 ? (
        <p>{t("responses.none")}</p>
      ) : (
        <ul>
          {recorded.map((r) => (
            <li key={r.id}>
              <a href={`/appeals/${appeal.slug}#update-${r.id}`}>
                {r.receivedOn
                  ? r.from
                    ? t("responses.heading", { from: r.from, date: date(r.receivedOn) })
                    : t("responses.headingUnnamed", { date: date(r.receivedOn) })
                  : date(r.createdAt)}
              </a>
              {r.file ? (
                <>
                  {" "}
                  (<bdi>{r.file}</bdi>)
                </>
              ) : null}{" "}
              <span className="hint">({plural("responses.recipients", r.recipients)})</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

import type { ActionFunctionArgs } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { Field, FormError, errorText } from "~/components/form";
import { MinimalDataField } from "~/components/minimal-data-field";
import { useT } from "~/i18n/react";
import { settingsSchema } from "~/schemas/appeal";
import { saveSettings } from "~/services/appeals.server";
import { requireUser } from "~/services/session.server";
import { actionError, reply } from "~/utils/action-errors.server";
import { formValues, parseForm } from "~/utils/forms";
import { useEditor } from "./dashboard.appeals.$id";

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await request.formData();
  const form = parseForm(settingsSchema, formData);
  if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
  try {
    const d = form.data;
    await saveSettings(Number(params.id), user.id, {
      goal: d.goal,
      closesAt: d.closesAt,
      fields: { city: d.field_city, country: d.field_country, organization: d.field_organization, position: d.field_position },
      showPublicList: d.showPublicList,
      minimalData: d.minimalData,
    });
    return reply({ notice: "saved", values: formValues(formData) });
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

const FIELDS = ["city", "country", "organization", "position"] as const;

export default function Settings() {
  const { appeal } = useEditor();
  const data = useActionData<typeof action>();
  const { t } = useT();
  const values = data?.values ?? {};
  const errors = data?.errors ?? {};
  const closes = appeal.closes_at ? new Date(appeal.closes_at).toISOString().slice(0, 10) : "";
  return (
    <>
      <h2>{t("dash.settings")}</h2>
      {data?.notice ? (
        <p className="notice" role="status">
          {t("dash.saved")}
        </p>
      ) : null}
      {Object.keys(errors).length ? <FormError>{t("form.fixErrors")}</FormError> : null}
      <Form method="post" className="stack" noValidate>
        <Field name="goal" type="number" label={t("dash.goal")} defaultValue={values.goal ?? appeal.goal ?? ""} error={errors.goal} inputMode="numeric" />
        <Field name="closesAt" type="date" label={t("dash.closesAt")} defaultValue={values.closesAt ?? closes} error={errors.closesAt} />
        <fieldset>
          <legend>{t("dash.fields")}</legend>
          {FIELDS.map((f) => (
            <div key={f} className="field">
              <label htmlFor={`f-${f}`}>{t(`dash.field.${f}`)}</label>
              <select id={`f-${f}`} name={`field_${f}`} defaultValue={values[`field_${f}`] ?? appeal[`field_${f}`]}>
                <option value="off">{t("field.off")}</option>
                <option value="optional">{t("field.optional")}</option>
                <option value="required">{t("field.required")}</option>
              </select>
              {errors[`field_${f}`] ? <p className="field-error">{errorText(t, errors[`field_${f}`])}</p> : null}
            </div>
          ))}
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" name="showPublicList" defaultChecked={values.showPublicList ? values.showPublicList === "on" : appeal.show_public_list} />
          {t("dash.showPublicList")}
        </label>
        {appeal.minimal_data && appeal.status !== "draft" ? (
          <div>
            <p className="notice">{t("minimal.locked")}</p>
            <p className="hint">{t("minimal.explain")}</p>
          </div>
        ) : (
          <MinimalDataField
            checked={values.minimalData ? values.minimalData === "on" : appeal.minimal_data}
            note={appeal.status !== "draft" ? t("minimal.laterOn") : undefined}
          />
        )}
        <div>
          <button type="submit">{t("form.save")}</button>
        </div>
      </Form>
    </>
  );
}

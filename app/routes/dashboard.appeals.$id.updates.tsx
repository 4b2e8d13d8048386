import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, errorText } from "~/components/form";
import { languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { longText, optionalText } from "~/schemas/common";
import { appealForMember } from "~/services/access.server";
import { editorView } from "~/services/appeals.server";
import { publishUpdate, updatesOf } from "~/services/updates.server";
import { requireUser } from "~/services/session.server";
import { actionError, loaderError, reply } from "~/utils/action-errors.server";
import { formValues, parseForm } from "~/utils/forms";
import { useEditor } from "./dashboard.appeals.$id";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const { appeal } = await appealForMember(Number(params.id), user.id);
    return json({ updates: await updatesOf(appeal.id) });
  } catch (error) {
    return loaderError(error);
  }
}

function updateSchema(langs: string[]) {
  // An addressee's response is recorded on its own tab (dashboard.appeals.$id.responses.tsx), with its date and letter.
  const shape: Record<string, z.ZodType> = { kind: z.enum(["update"], { message: "form.invalid" }).default("update") };
  for (const l of langs) {
    shape[`title.${l}`] = optionalText(200).transform((v) => v ?? "");
    shape[`body.${l}`] = z
      .string()
      .optional()
      .transform((v) => v ?? "")
      .pipe(longText(10_000));
  }
  return z.object(shape);
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const formData = await request.formData();
  try {
    const { appeal } = await appealForMember(id, user.id);
    const langs = (await editorView(id, user.id)).versions.map((v) => v.lang);
    const form = parseForm(updateSchema(langs), formData);
    if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
    const d = form.data as Record<string, string>;
    const content: Record<string, { title: string; body: string }> = {};
    const errors: Record<string, string> = {};
    for (const l of langs) {
      const title = d[`title.${l}`] ?? "";
      const body = d[`body.${l}`] ?? "";
      if (title && !body) errors[`body.${l}`] = "form.required";
      else if (body && !title) errors[`title.${l}`] = "form.required";
      else if (title && body) content[l] = { title, body };
    }
    if (Object.keys(errors).length) return reply({ errors, values: formValues(formData) }, 400);
    const n = await publishUpdate(appeal.id, user.id, { kind: "update", content });
    return reply({ notice: String(n) });
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function Updates() {
  const { updates } = useLoaderData<typeof loader>();
  const { versions, appeal } = useEditor();
  const data = useActionData<typeof action>();
  const { t, plural, lang, date } = useT();
  const values = data?.values ?? {};
  const errors = data?.errors ?? {};
  const langs = [appeal.original_language, ...versions.map((v) => v.lang).filter((l) => l !== appeal.original_language)];
  return (
    <>
      <h2>{t("updates.title")}</h2>
      <p className="hint">{t("updates.hint")}</p>
      {data?.notice ? (
        <p className="notice" role="status">
          {plural("updates.sent", Number(data.notice))}
        </p>
      ) : null}
      {errors._form ? <FormError>{errorText(t, errors._form)}</FormError> : Object.keys(errors).length ? <FormError>{t("form.fixErrors")}</FormError> : null}
      <Form method="post" className="stack" noValidate>
        <p className="hint">
          <a href={`/dashboard/appeals/${appeal.id}/responses`}>{t("updates.responseElsewhere")}</a>
        </p>
        {langs.map((l) => (
          <fieldset key={l}>
            <legend>{t("updates.inLanguage", { language: languageName(l, lang) })}</legend>
            <Field
              name={`title.${l}`}
              label={t("updates.titleField")}
              lang={l}
              defaultValue={values[`title.${l}`]}
              error={errors[`title.${l}`]}
              maxLength={200}
            />
            <Field name={`body.${l}`} label={t("updates.body")} lang={l} defaultValue={values[`body.${l}`]} error={errors[`body.${l}`]} multiline rows={6} />
          </fieldset>
        ))}
        <div>
          <button type="submit">{t("updates.publish")}</button>
        </div>
      </Form>
      <h3>{t("updates.public")}</h3>
      {updates.length === 0 ? (
        <p>{t("updates.none")}</p>
      ) : (
        <ul>
          {updates.map((u) => {
            const text = u.content[appeal.original_language] ?? Object.values(u.content)[0];
            return (
              <li key={u.id}>
                {date(u.created_at, "datetime")} — {u.kind === "response" ? `${t("updates.responseBadge")}` : ""}
                {u.kind === "response" && text?.title ? ": " : ""}
                {text?.title} <span className="hint">({t("updates.recipients", { count: u.recipients })})</span>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

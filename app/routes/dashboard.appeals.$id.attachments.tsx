import type { ActionFunctionArgs } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { FormError, errorText } from "~/components/form";
import { NATIVE_NAMES, isContentLang, languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { attachmentFieldsSchema } from "~/schemas/appeal";
import { addAttachment, deleteAttachment } from "~/services/attachments.server";
import { requireUser } from "~/services/session.server";
import { actionError, reply } from "~/utils/action-errors.server";
import { AppError } from "~/utils/errors";
import { formValues, idOf, parseForm } from "~/utils/forms";
import { readUploadForm, TOO_LARGE } from "~/services/upload-form.server";
import { useEditor } from "./dashboard.appeals.$id";

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const formData = await readUploadForm(request);
  try {
    if (formData.get("_intent") === "remove") {
      await deleteAttachment(id, user.id, idOf(formData.get("attachmentId")));
      return reply({});
    }
    const form = parseForm(attachmentFieldsSchema, formData);
    if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
    const file = formData.get("file");
    if (!(file instanceof File) || (file.size === 0 && file.type !== TOO_LARGE)) throw new AppError("empty", "attachment.empty", { field: "file" });
    if (file.type === TOO_LARGE) throw new AppError("too_large", "attachment.tooLarge", { field: "file" });
    await addAttachment(id, user.id, { lang: form.data.lang, filename: file.name, data: new Uint8Array(await file.arrayBuffer()) });
    return reply({ notice: "saved" });
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function Attachments() {
  const { appeal, versions, attachments } = useEditor();
  const data = useActionData<typeof action>();
  const { t, lang: ui } = useT();
  const error = errorText(t, data?.errors.file ?? data?.errors.lang);
  return (
    <>
      <h2>{t("dash.attachments")}</h2>
      {data?.notice ? (
        <p className="notice" role="status">
          {t("dash.saved")}
        </p>
      ) : null}
      <ul>
        {attachments.map((f) => (
          <li key={f.id}>
            <a href={`/appeals/${appeal.slug}/attachments/${f.id}`}>{f.filename}</a>{" "}
            <span className="hint">
              ({languageName(f.lang, ui)}, {Math.ceil(f.size / 1024)} KB)
            </span>{" "}
            <Form method="post" encType="multipart/form-data" style={{ display: "inline" }}>
              <input type="hidden" name="_intent" value="remove" />
              <input type="hidden" name="attachmentId" value={f.id} />
              <button type="submit" className="link-button">
                {t("dash.remove")}
              </button>
            </Form>
          </li>
        ))}
      </ul>
      <Form method="post" encType="multipart/form-data" className="stack">
        {error ? <FormError>{error}</FormError> : null}
        <div>
          <label htmlFor="f-file">{t("dash.uploadFile")}</label>
          <input id="f-file" type="file" name="file" accept="application/pdf,image/png,image/jpeg" aria-invalid={data?.errors.file ? true : undefined} />
        </div>
        <div>
          <label htmlFor="f-lang">{t("dash.fileLanguage")}</label>
          <select id="f-lang" name="lang" defaultValue={data?.values.lang ?? appeal.original_language}>
            {versions.map((v) => (
              <option key={v.lang} value={v.lang}>
                {isContentLang(v.lang) ? NATIVE_NAMES[v.lang] : v.lang}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">{t("dash.upload")}</button>
        </div>
      </Form>
    </>
  );
}

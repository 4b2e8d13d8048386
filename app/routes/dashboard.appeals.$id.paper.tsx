import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Field, FormError, errorText } from "~/components/form";
import { SignerDetailFields } from "~/components/signer-fields";
import { ScrollTable } from "~/components/scroll-table";
import { countryOptions } from "~/data/countries";
import { NATIVE_NAMES, isContentLang, type MessageKey } from "~/i18n";
import { useT } from "~/i18n/react";
import { SIGN_LIMITS } from "~/schemas/limits";
import { readOneFileForm } from "~/services/one-file-form.server";
import { PAPER_CSV_MAX_BYTES, addPaperSignature, importPaperCsv, paperSummary, paperTarget, previewPaperCsv, type PaperCsv } from "~/services/paper.server";
import { requireUser } from "~/services/session.server";
import { actionError, loaderError, type FormReply } from "~/utils/action-errors.server";
import { formFields, formValues } from "~/utils/forms";
import { requestLanguage } from "~/utils/lang.server";
import { useEditor } from "./dashboard.appeals.$id";

/*
 * Paper signatures (app/services/paper.server.ts): the sheet to print, one signature typed in, or
 * a CSV file checked row by row (a preview, nothing stored) and then imported. The preview page
 * sends the file back (base64, in the import form) so no copy of it is kept on the server between
 * the two steps; the import reads and checks it again.
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const target = await paperTarget(Number(params.id), user.id);
    const summary = await paperSummary(target.id, user.id);
    const { lang } = requestLanguage(request);
    return json(
      { fields: target.fields, columns: target.columns, countries: target.fields.country !== "off" ? countryOptions(lang) : [], ...summary },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    return loaderError(error);
  }
}

/** The upload's bounds: the file part, the intent, nothing else. */
const UPLOAD_LIMITS = { parts: 3, files: 1, fields: 2, fieldSize: 100, fieldNameSize: 100, headerPairs: 20, fileSize: PAPER_CSV_MAX_BYTES } as const;

interface Preview {
  result: PaperCsv;
  /** The file, base64, for the import form. */
  file: string;
}

type PaperReply = FormReply & { preview?: Preview; imported?: number };

function answer(part: Partial<PaperReply>, status = 200) {
  const body: PaperReply = { ok: status < 400, errors: {}, values: {}, problems: [], stale: null, notice: null, ...part };
  return json(body, { status, headers: { "Cache-Control": "no-store" } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  const { lang } = requestLanguage(request);
  if ((request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("multipart/form-data")) {
    const chunks: Buffer[] = [];
    const form = await readOneFileForm(request, { limits: UPLOAD_LIMITS, timeoutMs: 60_000, onChunk: (c) => chunks.push(c) });
    try {
      if (!form.ok)
        return answer({ errors: { file: form.reason === "tooLarge" ? "paper.csvTooLarge" : "paper.csvNoFile" } }, form.reason === "tooLarge" ? 413 : 400);
      const bytes = Buffer.concat(chunks);
      if (!form.fileComplete && bytes.length === 0) {
        await paperTarget(id, user.id);
        return answer({ errors: { file: "paper.csvNoFile" } }, 400);
      }
      const result = await previewPaperCsv(id, user.id, bytes);
      if (!result.ok) return answer({ errors: { file: result.arg !== undefined ? `${result.error}:${result.arg}` : result.error } }, 400);
      return answer({ preview: { result, file: bytes.toString("base64") } });
    } catch (error) {
      return actionError(error, {});
    }
  }
  const formData = await request.formData().catch(() => new FormData());
  const intent = String(formData.get("_intent") ?? "");
  try {
    if (intent === "add") {
      const added = await addPaperSignature(id, user.id, formFields(formData), lang);
      if (!added.ok) return answer({ errors: added.errors, values: formValues(formData) }, 400);
      return answer({ notice: "added" });
    }
    if (intent === "import") {
      const file = String(formData.get("file") ?? "");
      const expected = Number(formData.get("expected") ?? "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file) || !Number.isSafeInteger(expected) || expected < 1) {
        await paperTarget(id, user.id);
        return answer({ errors: { file: "paper.csvChanged" } }, 400);
      }
      const imported = await importPaperCsv(id, user.id, Buffer.from(file, "base64"), expected, lang);
      return answer({ notice: "imported", imported });
    }
    await paperTarget(id, user.id);
    return answer({ errors: { _form: "form.invalid" } }, 400);
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function Paper() {
  const { appeal, versions } = useEditor();
  const { fields, columns, countries, count, recent } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as PaperReply | undefined;
  const { t, number, date } = useT();
  const busy = useNavigation().state === "submitting";
  const base = `/dashboard/appeals/${appeal.id}`;
  const values = data?.values ?? {};
  const errors = data?.errors ?? {};
  const columnLabel = (c: string) => t((c === "name" ? "paper.name" : c === "disclosure" ? "paper.disclosure" : `sign.${c}`) as MessageKey);
  const preview = data?.preview?.result.ok ? data.preview.result : null;
  return (
    <>
      <h2>{t("paper.title")}</h2>
      <p>{t("paper.intro")}</p>
      <p>
        <strong>{t("paper.count", { count: number(count) })}</strong>
      </p>
      {data?.notice === "added" ? (
        <p className="notice" role="status">
          {t("paper.added")}
        </p>
      ) : null}
      {data?.notice === "imported" ? (
        <p className="notice" role="status">
          {t("paper.imported", { count: number(data.imported ?? 0) })}
        </p>
      ) : null}

      <h3>{t("paper.sheet")}</h3>
      <ul className="inline-list">
        {versions.map((v) => (
          <li key={v.lang}>
            <a href={`${base}/sheet/${v.lang}.pdf`} hrefLang={v.lang}>
              {t("paper.sheetIn", { language: isContentLang(v.lang) ? NATIVE_NAMES[v.lang] : v.lang })}
            </a>
          </li>
        ))}
      </ul>

      <h3 id="paper-add-h">{t("paper.addTitle")}</h3>
      <Form method="post" className="stack" aria-labelledby="paper-add-h" key={data?.notice === "added" ? `added-${count}` : "add"}>
        <input type="hidden" name="_intent" value="add" />
        <FormError>{errorText(t, errors._form)}</FormError>
        <Field name="name" label={t("paper.name")} required maxLength={SIGN_LIMITS.name} defaultValue={values.name} error={errors.name} autoComplete="off" />
        <SignerDetailFields fields={fields} countries={countries} values={values} errors={errors} autofill={false} />
        <div className="field">
          <label htmlFor="f-disclosure">{t("paper.disclosure")}</label>
          <select id="f-disclosure" name="disclosure" defaultValue={values.disclosure ?? "public"}>
            <option value="public">{t("sign.disclosure.public")}</option>
            <option value="initials">{t("sign.disclosure.initials")}</option>
            <option value="private">{t("sign.disclosure.private")}</option>
          </select>
        </div>
        <div>
          <button type="submit" disabled={busy}>
            {t("paper.add")}
          </button>
        </div>
      </Form>

      <h3 id="paper-import-h">{t("paper.importTitle")}</h3>
      <Form method="post" encType="multipart/form-data" className="stack" aria-labelledby="paper-import-h">
        <input type="hidden" name="_intent" value="check" />
        <div className="field">
          <label htmlFor="f-file">{t("paper.file")}</label>
          <p id="f-file-hint" className="hint">
            {t("paper.importHint", { columns: columns.join(", ") })}
          </p>
          <input
            id="f-file"
            type="file"
            name="file"
            accept=".csv,text/csv,text/plain"
            aria-invalid={errors.file ? true : undefined}
            aria-describedby={errors.file ? "f-file-hint f-file-error" : "f-file-hint"}
          />
          {errors.file ? (
            <p id="f-file-error" className="field-error" role="alert">
              {errorText(t, errors.file)}
            </p>
          ) : null}
        </div>
        <div>
          <button type="submit" disabled={busy}>
            {t("paper.check")}
          </button>
        </div>
      </Form>

      {preview && data?.preview ? (
        <section aria-labelledby="paper-preview-h" id="paper-preview">
          <h3 id="paper-preview-h">{t("paper.previewTitle")}</h3>
          <p role="status">{t("paper.previewSummary", { valid: number(preview.valid), total: number(preview.rows.length) })}</p>
          <ScrollTable labelledBy="paper-preview-h">
            <thead>
              <tr>
                <th scope="col">{t("paper.line")}</th>
                {preview.columns.map((c) => (
                  <th key={c} scope="col">
                    {columnLabel(c)}
                  </th>
                ))}
                <th scope="col">{t("paper.problems")}</th>
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((r) => {
                const problems = Object.entries(r.errors);
                return (
                  <tr key={r.line} className={problems.length ? "row-error" : undefined}>
                    <td>{number(r.line)}</td>
                    {preview.columns.map((c) => (
                      <td key={c}>
                        <bdi>{r.values[c] ?? ""}</bdi>
                      </td>
                    ))}
                    <td>
                      {problems.length
                        ? problems.map(([field, code]) => (
                            <span key={field} className="field-error">
                              {field === "_form" ? "" : `${columnLabel(field)}: `}
                              {errorText(t, code)}{" "}
                            </span>
                          ))
                        : t("paper.rowOk")}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </ScrollTable>
          {preview.valid > 0 ? (
            <Form method="post">
              <input type="hidden" name="_intent" value="import" />
              <input type="hidden" name="file" value={data.preview.file} />
              <input type="hidden" name="expected" value={preview.valid} />
              <button type="submit" disabled={busy}>
                {t("paper.importValid", { count: number(preview.valid) })}
              </button>
            </Form>
          ) : (
            <p className="field-error">{t("paper.nothingValid")}</p>
          )}
        </section>
      ) : null}

      {recent.length ? (
        <>
          <h3 id="paper-recent-h">{t("paper.recent")}</h3>
          <ScrollTable labelledBy="paper-recent-h">
            <thead>
              <tr>
                <th scope="col">{t("paper.name")}</th>
                <th scope="col">{t("sign.city")}</th>
                <th scope="col">{t("paper.enteredAt")}</th>
                <th scope="col">{t("paper.enteredBy")}</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((r) => (
                <tr key={r.id}>
                  <td>
                    <bdi>{r.name}</bdi>
                  </td>
                  <td>
                    <bdi>{r.city ?? ""}</bdi>
                  </td>
                  <td>{date(r.enteredAt, "short")}</td>
                  <td>
                    {r.enteredBy === null ? "—" : r.enteredByName ? <bdi>{r.enteredByName}</bdi> : null}
                    {r.enteredBy !== null ? <span className="hint"> ({t("paper.user", { id: r.enteredBy })})</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        </>
      ) : null}
    </>
  );
}

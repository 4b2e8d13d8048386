import type { ActionFunctionArgs } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { Field, FormError, errorText } from "~/components/form";
import { languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { addresseeSchema } from "~/schemas/appeal";
import { addAddressee, editAddressee, editorView, removeAddressee, reorderAddressee } from "~/services/appeals.server";
import { keyFromForm } from "~/services/openpgp.server";
import { requireUser } from "~/services/session.server";
import { actionError, reply } from "~/utils/action-errors.server";
import { formValues, idOf, parseForm } from "~/utils/forms";
import { formatFingerprint } from "~/utils/openpgp-fingerprint";
import type { AddresseeText } from "../../db/schema";
import { useEditor } from "./dashboard.appeals.$id";

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = Number(params.id);
  // The form is multipart (an OpenPGP key may come as a file); the body is bounded by server/body-limit.ts.
  let formData: FormData;
  try {
    formData = await request.formData();
  } catch {
    return reply({ errors: { openpgpKey: "openpgp.badForm" }, values: { _for: "new" } }, 400);
  }
  const intent = String(formData.get("_intent") ?? "");
  const addresseeId = idOf(formData.get("addresseeId"));
  const forValues = () => ({ ...formValues(formData), _for: intent === "edit" ? String(addresseeId) : "new" });
  try {
    if (intent === "remove") {
      await removeAddressee(id, user.id, addresseeId);
      return reply({});
    }
    if (intent === "up" || intent === "down") {
      await reorderAddressee(id, user.id, addresseeId, intent === "up" ? -1 : 1);
      return reply({});
    }
    const { versions, appeal } = await editorView(id, user.id);
    const languages = versions.map((v) => v.lang);
    const form = parseForm(addresseeSchema(languages, appeal.original_language), formData);
    if (!form.ok) return reply({ errors: form.errors, values: { ...form.values, _for: intent === "edit" ? String(addresseeId) : "new" } }, 400);
    const data = form.data as Record<string, string | null>;
    const translations: Record<string, AddresseeText> = {};
    for (const lang of languages) {
      translations[lang] = { name: data[`name.${lang}`] ?? "", position: data[`position.${lang}`] ?? "", institution: data[`institution.${lang}`] ?? "" };
    }
    const email = data.email ?? null;
    const letterLanguage = data.letterLanguage ?? appeal.original_language;
    const openpgp = await keyFromForm(formData);
    if (intent === "edit") await editAddressee(id, user.id, addresseeId, email, translations, letterLanguage, openpgp);
    else await addAddressee(id, user.id, email, translations, letterLanguage, openpgp ?? null);
    return reply({ notice: "saved" });
  } catch (error) {
    return actionError(error, forValues());
  }
}

function AddresseeFields({
  languages,
  original,
  values,
  errors,
  initial,
}: {
  languages: string[];
  original: string;
  values: Record<string, string>;
  errors: Record<string, string>;
  initial?: {
    id: number;
    email: string | null;
    translations: Record<string, AddresseeText>;
    letter_language: string | null;
    openpgp_fingerprint: string | null;
  };
}) {
  const { t, lang: ui } = useT();
  // Every addressee has its own form on the page: their fields need ids of their own.
  const idPrefix = initial ? `a${initial.id}-` : "new-";
  const letterLanguageId = `f-${idPrefix}letterLanguage`;
  const letterLanguageError = errorText(t, errors.letterLanguage);
  return (
    <>
      {languages.map((lang) => (
        <fieldset key={lang}>
          <legend>{t("dash.inLanguage", { language: languageName(lang, ui) })}</legend>
          <Field
            idPrefix={idPrefix}
            name={`name.${lang}`}
            label={t("dash.name")}
            lang={lang}
            required={lang === original}
            defaultValue={values[`name.${lang}`] ?? initial?.translations[lang]?.name}
            error={errors[`name.${lang}`]}
            maxLength={200}
          />
          <Field
            idPrefix={idPrefix}
            name={`position.${lang}`}
            label={t("dash.position")}
            lang={lang}
            defaultValue={values[`position.${lang}`] ?? initial?.translations[lang]?.position}
            error={errors[`position.${lang}`]}
            maxLength={200}
          />
          <Field
            idPrefix={idPrefix}
            name={`institution.${lang}`}
            label={t("dash.institution")}
            lang={lang}
            defaultValue={values[`institution.${lang}`] ?? initial?.translations[lang]?.institution}
            error={errors[`institution.${lang}`]}
            maxLength={200}
          />
        </fieldset>
      ))}
      <Field
        idPrefix={idPrefix}
        name="email"
        type="email"
        label={t("dash.addresseeEmail")}
        defaultValue={values.email ?? initial?.email ?? ""}
        error={errors.email}
      />
      <div className="field">
        <label htmlFor={letterLanguageId}>{t("delivery.letterLanguage")}</label>
        <select
          id={letterLanguageId}
          name="letterLanguage"
          defaultValue={values.letterLanguage ?? (initial?.letter_language && languages.includes(initial.letter_language) ? initial.letter_language : original)}
          aria-invalid={letterLanguageError ? true : undefined}
          aria-describedby={letterLanguageError ? `${letterLanguageId}-error` : undefined}
        >
          {languages.map((lang) => (
            <option key={lang} value={lang}>
              {languageName(lang, ui)}
            </option>
          ))}
        </select>
        {letterLanguageError ? (
          <p id={`${letterLanguageId}-error`} className="field-error">
            {letterLanguageError}
          </p>
        ) : null}
      </div>
      <OpenPgpKeyFields idPrefix={idPrefix} fingerprint={initial?.openpgp_fingerprint ?? null} value={values.openpgpKey} error={errors.openpgpKey} />
    </>
  );
}

/** The addressee's OpenPGP key: its fingerprint when saved; pasted, or chosen as a file; or removed. */
function OpenPgpKeyFields({ idPrefix, fingerprint, value, error }: { idPrefix: string; fingerprint: string | null; value?: string; error?: string }) {
  const { t } = useT();
  const fileId = `f-${idPrefix}openpgpFile`;
  return (
    <fieldset>
      <legend>{t("openpgp.addresseeKey")}</legend>
      {fingerprint ? (
        <>
          <dl className="facts">
            <dt>{t("openpgp.fingerprint")}</dt>
            <dd>
              <code className="digest" data-testid="addressee-openpgp-fingerprint">
                {formatFingerprint(fingerprint)}
              </code>
            </dd>
          </dl>
          <p className="hint">{t("openpgp.compare")}</p>
          <div className="field">
            <label>
              <input type="checkbox" name="removeKey" /> {t("openpgp.removeKey")}
            </label>
          </div>
        </>
      ) : null}
      <Field
        idPrefix={idPrefix}
        name="openpgpKey"
        label={t("openpgp.addresseeKey")}
        hint={t("openpgp.addresseeKeyHint")}
        multiline
        rows={4}
        defaultValue={value ?? ""}
        error={error}
      />
      <div className="field">
        <label htmlFor={fileId}>{t("openpgp.keyFile")}</label>
        <input id={fileId} type="file" name="file" accept=".asc,.gpg,.pgp,.key,application/pgp-keys" />
      </div>
    </fieldset>
  );
}

export default function Addressees() {
  const { appeal, versions, addressees } = useEditor();
  const data = useActionData<typeof action>();
  const { t, lang: ui } = useT();
  const languages = [appeal.original_language, ...versions.map((v) => v.lang).filter((l) => l !== appeal.original_language)];
  const errors = data?.errors ?? {};
  const values = data?.values ?? {};
  const forNew = values._for === "new";
  return (
    <>
      <h2>{t("dash.addressees")}</h2>
      {data?.notice ? (
        <p className="notice" role="status">
          {t("dash.saved")}
        </p>
      ) : null}
      <ol>
        {addressees.map((a, i) => (
          <li key={a.id}>
            <details>
              <summary>
                <strong>
                  <bdi>{a.translations[appeal.original_language]?.name}</bdi>
                </strong>
                {a.translations[appeal.original_language]?.position ? (
                  <>
                    , <bdi>{a.translations[appeal.original_language]?.position}</bdi>
                  </>
                ) : null}
                {a.translations[appeal.original_language]?.institution ? (
                  <>
                    , <bdi>{a.translations[appeal.original_language]?.institution}</bdi>
                  </>
                ) : null}
                {a.openpgp_fingerprint ? (
                  <span className="hint"> · {t("openpgp.encryptedTo", { fingerprint: formatFingerprint(a.openpgp_fingerprint).slice(-19) })}</span>
                ) : null}
                {a.email ? (
                  <span className="hint">
                    {" "}
                    ·{" "}
                    {t("delivery.letterIn", {
                      language: languageName(a.letter_language && languages.includes(a.letter_language) ? a.letter_language : appeal.original_language, ui),
                    })}
                  </span>
                ) : null}
              </summary>
              <Form method="post" encType="multipart/form-data" className="stack" noValidate>
                <input type="hidden" name="_intent" value="edit" />
                <input type="hidden" name="addresseeId" value={a.id} />
                <AddresseeFields
                  languages={languages}
                  original={appeal.original_language}
                  values={values._for === String(a.id) ? values : {}}
                  errors={values._for === String(a.id) ? errors : {}}
                  initial={a}
                />
                <div>
                  <button type="submit">{t("form.save")}</button>
                </div>
              </Form>
            </details>
            <div className="row-actions">
              {i > 0 ? (
                <Form method="post">
                  <input type="hidden" name="_intent" value="up" />
                  <input type="hidden" name="addresseeId" value={a.id} />
                  <button type="submit" className="link-button">
                    {t("dash.moveUp")}
                  </button>
                </Form>
              ) : null}
              {i < addressees.length - 1 ? (
                <Form method="post">
                  <input type="hidden" name="_intent" value="down" />
                  <input type="hidden" name="addresseeId" value={a.id} />
                  <button type="submit" className="link-button">
                    {t("dash.moveDown")}
                  </button>
                </Form>
              ) : null}
              <Form method="post">
                <input type="hidden" name="_intent" value="remove" />
                <input type="hidden" name="addresseeId" value={a.id} />
                <button type="submit" className="link-button">
                  {t("dash.remove")}
                </button>
              </Form>
            </div>
          </li>
        ))}
      </ol>
      <section aria-labelledby="add-addressee-h">
        <h3 id="add-addressee-h">{t("dash.addAddressee")}</h3>
        {forNew && Object.keys(errors).length ? <FormError>{t("form.fixErrors")}</FormError> : null}
        <Form method="post" encType="multipart/form-data" className="stack" noValidate key={data?.notice ? addressees.length : "form"}>
          <input type="hidden" name="_intent" value="add" />
          <AddresseeFields languages={languages} original={appeal.original_language} values={forNew ? values : {}} errors={forNew ? errors : {}} />
          <div>
            <button type="submit">{t("dash.addAddressee")}</button>
          </div>
        </Form>
      </section>
    </>
  );
}

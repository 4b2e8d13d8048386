import { Form } from "@remix-run/react";
import { Field, FormError, errorText } from "~/components/form";
import { SignerDetailFields } from "~/components/signer-fields";
import { useT } from "~/i18n/react";
import { SIGN_LIMITS } from "~/schemas/limits";
import type { FieldMode } from "../../../db/schema";

export interface SignFormProps {
  fields: { city: FieldMode; country: FieldMode; organization: FieldMode; position: FieldMode };
  /** Country codes and names in the page's language, sorted (made by the loader). */
  countries: Array<{ code: string; name: string }>;
  stamp: string;
  values: Record<string, string>;
  errors: Record<string, string>;
  formError?: string;
  /** The appeal keeps minimal data: said next to "keep me informed", which decides whether the address is kept. */
  minimalData?: boolean;
}

/** The sign form: plain HTML that works without JavaScript, in the page's language. */
export function SignForm({ fields, countries, stamp, values, errors, formError, minimalData }: SignFormProps) {
  const { t } = useT();
  const disclosure = values.disclosure ?? "public";
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Form method="post" className="stack sign-form" noValidate>
      {formError ? <FormError>{errorText(t, formError)}</FormError> : hasErrors ? <FormError>{t("form.fixErrors")}</FormError> : null}
      <input type="hidden" name="stamp" value={stamp} />
      <div className="honeypot" aria-hidden="true">
        <label htmlFor="f-website">{t("sign.honeypot")}</label>
        <input id="f-website" type="text" name="website" tabIndex={-1} autoComplete="off" defaultValue="" />
      </div>
      <Field
        name="name"
        label={t("sign.name")}
        hint={t("sign.nameHint")}
        required
        autoComplete="name"
        defaultValue={values.name}
        error={errors.name}
        maxLength={SIGN_LIMITS.name}
      />
      <Field
        name="email"
        type="email"
        label={t("sign.email")}
        hint={t("sign.emailHint")}
        required
        autoComplete="email"
        inputMode="email"
        defaultValue={values.email}
        error={errors.email}
        maxLength={SIGN_LIMITS.email}
      />
      <SignerDetailFields fields={fields} countries={countries} values={values} errors={errors} autofill />
      <fieldset aria-describedby={errors.disclosure ? "f-disclosure-error" : undefined}>
        <legend>{t("sign.disclosure")}</legend>
        {(["public", "initials", "private"] as const).map((d) => (
          <label key={d} className="checkbox">
            <input type="radio" name="disclosure" value={d} defaultChecked={disclosure === d} />
            {t(`sign.disclosure.${d}`)}
          </label>
        ))}
        {errors.disclosure ? (
          <p id="f-disclosure-error" className="field-error">
            {errorText(t, errors.disclosure)}
          </p>
        ) : null}
      </fieldset>
      <label className="checkbox">
        <input type="checkbox" name="keepInformed" defaultChecked={values.keepInformed === "on"} />
        {t("sign.keepInformed")}
      </label>
      {minimalData ? (
        <p className="hint" data-testid="minimal-data">
          {t("minimal.signer")} <a href="/privacy">{t("minimal.signerMore")}</a>
        </p>
      ) : null}
      <div>
        <label className="checkbox">
          <input
            type="checkbox"
            name="consent"
            defaultChecked={values.consent === "on"}
            aria-invalid={errors.consent ? true : undefined}
            aria-describedby={errors.consent ? "f-consent-error" : undefined}
          />
          <span>
            {t("sign.consent")} <a href="/privacy">{t("sign.privacyLink")}</a>
          </span>
        </label>
        {errors.consent ? (
          <p id="f-consent-error" className="field-error">
            {errorText(t, errors.consent)}
          </p>
        ) : null}
      </div>
      <div>
        <button type="submit">{t("sign.submit")}</button>
      </div>
    </Form>
  );
}

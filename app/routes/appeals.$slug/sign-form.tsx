import { Form } from "@remix-run/react";
import { CountryField, Field, FormError, errorText } from "~/components/form";
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
  const optional = (mode: FieldMode) => (mode === "optional" ? ` ${t("sign.optional")}` : "");
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
      {fields.city !== "off" ? (
        <Field
          name="city"
          label={`${t("sign.city")}${optional(fields.city)}`}
          required={fields.city === "required"}
          autoComplete="address-level2"
          defaultValue={values.city}
          error={errors.city}
          maxLength={SIGN_LIMITS.city}
        />
      ) : null}
      {fields.country !== "off" ? (
        <CountryField
          label={
            <>
              {t("sign.country")}
              {optional(fields.country)}
            </>
          }
          required={fields.country === "required"}
          countries={countries}
          defaultValue={values.country}
          error={errors.country}
          autoComplete="country"
        />
      ) : null}
      {fields.organization !== "off" ? (
        <Field
          name="organization"
          label={`${t("sign.organization")}${optional(fields.organization)}`}
          required={fields.organization === "required"}
          autoComplete="organization"
          defaultValue={values.organization}
          error={errors.organization}
          maxLength={SIGN_LIMITS.organization}
        />
      ) : null}
      {fields.position !== "off" ? (
        <Field
          name="position"
          label={`${t("sign.position")}${optional(fields.position)}`}
          required={fields.position === "required"}
          autoComplete="organization-title"
          defaultValue={values.position}
          error={errors.position}
          maxLength={SIGN_LIMITS.position}
        />
      ) : null}
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

import { CountryField, Field } from "~/components/form";
import { useT } from "~/i18n/react";
import { SIGN_LIMITS } from "~/schemas/limits";
import type { FieldMode } from "../../db/schema";

/**
 * The appeal's own fields of a signature (city, country, organization, position), each off,
 * optional or required as the appeal says, with the sign schema's limits: the sign form and the
 * organizer's paper entry form (which turns the browser's autofill off: it is not the organizer's
 * own city or employer being typed).
 */
export function SignerDetailFields({
  fields,
  countries,
  values,
  errors,
  autofill,
}: {
  fields: { city: FieldMode; country: FieldMode; organization: FieldMode; position: FieldMode };
  countries: ReadonlyArray<{ code: string; name: string }>;
  values: Record<string, string | undefined>;
  errors: Record<string, string | undefined>;
  autofill: boolean;
}) {
  const { t } = useT();
  const optional = (mode: FieldMode) => (mode === "optional" ? ` ${t("sign.optional")}` : "");
  const text = (name: "city" | "organization" | "position", autoComplete: string) =>
    fields[name] !== "off" ? (
      <Field
        name={name}
        label={`${t(`sign.${name}`)}${optional(fields[name])}`}
        required={fields[name] === "required"}
        autoComplete={autofill ? autoComplete : "off"}
        defaultValue={values[name]}
        error={errors[name]}
        maxLength={SIGN_LIMITS[name]}
      />
    ) : null;
  return (
    <>
      {text("city", "address-level2")}
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
          autoComplete={autofill ? "country" : undefined}
        />
      ) : null}
      {text("organization", "organization")}
      {text("position", "organization-title")}
    </>
  );
}

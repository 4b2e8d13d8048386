import type { FormEvent, ReactNode, Ref } from "react";
import { useT } from "~/i18n/react";
import type { MessageKey, Translator } from "~/i18n";

/** Translates an error code from a schema (`key` or `key:arg`). */
export function errorText(t: Translator["t"], code: string | undefined): string | undefined {
  if (!code) return undefined;
  const [key = "", arg] = code.split(":");
  return t(key as MessageKey, arg ? { max: arg } : undefined);
}

interface FieldProps {
  name: string;
  /** Makes the element ids unique when the same form appears more than once on a page. */
  idPrefix?: string;
  label: string;
  hint?: string;
  error?: string;
  defaultValue?: string | number | null;
  type?: "text" | "email" | "number" | "url" | "date" | "datetime-local";
  required?: boolean;
  multiline?: boolean;
  rows?: number;
  maxLength?: number;
  autoComplete?: string;
  lang?: string;
  dir?: string;
  inputMode?: "text" | "email" | "numeric";
  /** What the page does as it is typed in (the dashboard proposes a slug from the title). */
  onInput?: (event: FormEvent<HTMLInputElement | HTMLTextAreaElement>) => void;
  inputRef?: Ref<HTMLInputElement>;
}

/** A labelled input with its hint and its error, wired for screen readers. */
export function Field(props: FieldProps) {
  const { t } = useT();
  const id = `f-${props.idPrefix ?? ""}${props.name}`;
  const message = errorText(t, props.error);
  const describedBy = [props.hint ? `${id}-hint` : null, message ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    name: props.name,
    defaultValue: props.defaultValue ?? undefined,
    required: props.required,
    maxLength: props.maxLength,
    "aria-invalid": message ? true : undefined,
    "aria-describedby": describedBy,
    autoComplete: props.autoComplete,
    lang: props.lang,
    dir: props.dir,
    onInput: props.onInput,
  } as const;
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.hint ? (
        <p id={`${id}-hint`} className="hint">
          {props.hint}
        </p>
      ) : null}
      {props.multiline ? (
        <textarea {...common} rows={props.rows ?? 10} />
      ) : (
        <input {...common} ref={props.inputRef} type={props.type ?? "text"} inputMode={props.inputMode} />
      )}
      {message ? (
        <p id={`${id}-error`} className="field-error">
          {message}
        </p>
      ) : null}
    </div>
  );
}

export function FormError({ children }: { children?: ReactNode }) {
  if (!children) return null;
  return (
    <div className="form-error" role="alert">
      {children}
    </div>
  );
}

/** The signer's country, as a list (the sign form and the paper entry form). */
export function CountryField(props: {
  label: ReactNode;
  required: boolean;
  countries: ReadonlyArray<{ code: string; name: string }>;
  defaultValue?: string;
  error?: string;
  autoComplete?: string;
}) {
  const { t } = useT();
  const message = errorText(t, props.error);
  return (
    <div className="field">
      <label htmlFor="f-country">
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <select
        id="f-country"
        name="country"
        defaultValue={props.defaultValue ?? ""}
        required={props.required}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? "f-country-error" : undefined}
        autoComplete={props.autoComplete}
      >
        <option value="">{t("sign.chooseCountry")}</option>
        {props.countries.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name}
          </option>
        ))}
      </select>
      {message ? (
        <p id="f-country-error" className="field-error">
          {message}
        </p>
      ) : null}
    </div>
  );
}

import { languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { errorText } from "./form";

/**
 * The publish form's confirmation that translations not updated since the original changed may be
 * published as they are. Its value names the languages it confirmed: a translation that went
 * stale after the page was shown is not covered, and the server asks again.
 */
export function StaleConfirm({ stale, error }: { stale: string[]; error?: string }) {
  const { t, lang } = useT();
  if (!stale.length) return null;
  const languages = stale.map((l) => languageName(l, lang)).join(", ");
  return (
    <div className="stack">
      <label className="checkbox">
        <input
          type="checkbox"
          id="f-confirmStale"
          name="confirmStale"
          value={stale.join(",")}
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "f-confirmStale-error" : undefined}
        />
        {t("revisions.confirmLabel", { languages })}
      </label>
      {error ? (
        <p id="f-confirmStale-error" className="field-error">
          {errorText(t, error)}
        </p>
      ) : null}
    </div>
  );
}

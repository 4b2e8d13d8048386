import { useT } from "~/i18n/react";

/** The minimal-data preset's checkbox and its plain-words explanation (the create form and the settings page). */
export function MinimalDataField({ checked, note }: { checked: boolean; note?: string }) {
  const { t } = useT();
  return (
    <div>
      <label className="checkbox">
        <input type="checkbox" id="f-minimalData" name="minimalData" aria-describedby="f-minimalData-hint" defaultChecked={checked} />
        {t("minimal.label")}
      </label>
      <p id="f-minimalData-hint" className="hint">
        {t("minimal.explain")}
        {note ? ` ${note}` : null}
      </p>
    </div>
  );
}

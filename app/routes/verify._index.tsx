import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { normaliseCode } from "~/utils/codes";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "verify.title");

/**
 * A form to type the code printed on a letter (GET, so it works without JavaScript). A code that
 * cannot be one (wrong length) is answered with a message, and what was typed stays in the field.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const code = new URL(request.url).searchParams.get("code")?.trim().slice(0, 64) ?? "";
  if (!code) return json({ code: "", invalid: false });
  const normal = normaliseCode(code);
  if (normal) throw redirect(`/verify/${normal}`);
  return json({ code, invalid: true }, { status: 400 });
}

export default function VerifyLookup() {
  const { t } = useT();
  const { code, invalid } = useLoaderData<typeof loader>();
  return (
    <div className="narrow">
      <h1>{t("verify.title")}</h1>
      <Form method="get" className="stack">
        <div>
          <label htmlFor="f-code">{t("verify.lookup")}</label>
          <input
            id="f-code"
            name="code"
            type="text"
            autoComplete="off"
            placeholder="7K3Q-9XWD-M2PA"
            defaultValue={code}
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? "f-code-error" : undefined}
          />
          {invalid ? (
            <p id="f-code-error" className="notice-error" role="alert">
              {t("verify.badCode")}
            </p>
          ) : null}
        </div>
        <div>
          <button type="submit">{t("verify.go")}</button>
        </div>
      </Form>
    </div>
  );
}

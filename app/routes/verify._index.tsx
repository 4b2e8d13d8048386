import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { normaliseCode } from "~/utils/codes";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "verify.title");

/** A form to type the code printed on a letter (GET, so it works without JavaScript). */
export async function loader({ request }: LoaderFunctionArgs) {
  const code = new URL(request.url).searchParams.get("code");
  if (code) {
    const normal = normaliseCode(code);
    if (normal) throw redirect(`/verify/${normal}`);
  }
  return null;
}

export default function VerifyLookup() {
  const { t } = useT();
  return (
    <div className="narrow">
      <h1>{t("verify.title")}</h1>
      <Form method="get" className="stack">
        <div>
          <label htmlFor="f-code">{t("verify.lookup")}</label>
          <input id="f-code" name="code" type="text" autoComplete="off" placeholder="7K3Q-9XWD-M2PA" />
        </div>
        <div>
          <button type="submit">{t("verify.go")}</button>
        </div>
      </Form>
    </div>
  );
}

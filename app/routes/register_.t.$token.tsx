import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { checkRegistrationToken, completeRegistration } from "~/services/registration.server";
import { startSession } from "~/services/session.server";
import { loaderError } from "~/utils/action-errors.server";
import { titleMeta } from "~/utils/meta";

// As /login/t/:token: no Referer from a page whose address is a token (the button's POST then
// carries `Origin: null`, accepted by server/csrf.ts with `Sec-Fetch-Site: same-origin`).
export const meta: MetaFunction = ({ matches }) => [...titleMeta(matches, "register.tokenTitle"), { name: "referrer", content: "no-referrer" }];

// Opening the link only shows a button: mail scanners that prefetch links create nothing.
export async function loader({ params }: LoaderFunctionArgs) {
  try {
    return json({ state: await checkRegistrationToken(params.token ?? "") });
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ params }: ActionFunctionArgs) {
  let result;
  try {
    result = await completeRegistration(params.token ?? "");
  } catch (error) {
    return loaderError(error);
  }
  if (result.ok) return startSession(result.userId, "/dashboard");
  return json({ state: result.reason }, { status: result.reason === "invalid" ? 400 : 410 });
}

export default function RegisterToken() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const state = acted?.state ?? loaded.state;
  const { t } = useT();
  return (
    <div className="narrow">
      <h1>{t("register.tokenTitle")}</h1>
      {state === "valid" ? (
        <Form method="post">
          <p>{t("register.tokenIntro")}</p>
          <button type="submit">{t("register.tokenButton")}</button>
        </Form>
      ) : (
        <>
          <p className="notice-error" role="alert">
            {t(state === "expired" ? "register.expired" : state === "used" ? "register.used" : "register.invalid")}
          </p>
          <p>
            <Link to={state === "used" ? "/login" : "/register"}>{t(state === "used" ? "register.signIn" : "register.again")}</Link>
          </p>
        </>
      )}
    </div>
  );
}

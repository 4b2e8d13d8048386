import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { checkLoginToken, consumeLoginToken } from "~/services/auth.server";
import { safeNext, startSession } from "~/services/session.server";
import { titleMeta } from "~/utils/meta";

// No Referer from a page whose address is a sign-in token. The button's POST then carries
// `Origin: null`; server/csrf.ts accepts it with `Sec-Fetch-Site: same-origin`, and Remix's own
// origin check (which would answer 500) no longer sees it.
export const meta: MetaFunction = ({ matches }) => [...titleMeta(matches, "login.tokenTitle"), { name: "referrer", content: "no-referrer" }];

// Opening the link only shows a button: mail scanners that prefetch links consume nothing.
export async function loader({ params }: LoaderFunctionArgs) {
  return json({ state: await checkLoginToken(params.token ?? "") });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const result = await consumeLoginToken(params.token ?? "");
  if (result.ok) return startSession(result.userId, safeNext(new URL(request.url).searchParams.get("next")));
  return json({ state: result.reason }, { status: result.reason === "invalid" ? 400 : 410 });
}

export default function LoginToken() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const state = acted?.state ?? loaded.state;
  const { t } = useT();
  return (
    <div className="narrow">
      <h1>{t("login.tokenTitle")}</h1>
      {state === "valid" ? (
        <Form method="post">
          <p>{t("login.tokenIntro")}</p>
          <button type="submit">{t("login.tokenButton")}</button>
        </Form>
      ) : (
        <>
          <p className="notice-error" role="alert">
            {t(state === "expired" ? "login.expired" : state === "used" ? "login.used" : "login.invalid")}
          </p>
          <p>
            <Link to="/login">{t("login.again")}</Link>
          </p>
        </>
      )}
    </div>
  );
}

import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { Field, FormError } from "~/components/form";
import { useT } from "~/i18n/react";
import { loginSchema } from "~/schemas/auth";
import { requestLoginLink } from "~/services/auth.server";
import { registrationMode } from "~/services/registration.server";
import { currentUser } from "~/services/session.server";
import { type FieldErrors, parseForm } from "~/utils/forms";
import { requestLanguage } from "~/utils/lang.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "login.title");

export async function loader({ request }: LoaderFunctionArgs) {
  if (await currentUser(request)) throw redirect("/dashboard");
  return json({ registration: registrationMode() !== "closed" });
}

/** A limited request's Retry-After reaches the page (the root's headers otherwise). */
export const headers: HeadersFunction = ({ actionHeaders, parentHeaders }) => {
  const headers = new Headers(parentHeaders);
  const retry = actionHeaders.get("Retry-After");
  if (retry) headers.set("Retry-After", retry);
  return headers;
};

export async function action({ request, context }: ActionFunctionArgs) {
  const form = parseForm(loginSchema, await request.formData());
  if (!form.ok) return json({ sent: false as const, limited: null, errors: form.errors, values: form.values }, { status: 400 });
  const outcome = await requestLoginLink(form.data.email, requestLanguage(request).lang, form.data.next, context.clientIp ?? "");
  if (outcome.ok) return json({ sent: true as const, limited: null, errors: {} as FieldErrors, values: {} });
  // Limited: no new mail. For the address, the links already sent still work; say so (the same
  // words whether or not it is an organizer's). For the client: try again later.
  const headers = { "Retry-After": String(outcome.retryAfter) };
  const errors: FieldErrors = {};
  if (outcome.limited === "address") return json({ sent: true as const, limited: "address" as const, errors, values: {} }, { status: 429, headers });
  return json({ sent: false as const, limited: "client" as const, errors, values: { email: form.data.email } }, { status: 429, headers });
}

export default function Login() {
  const { registration } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const { t } = useT();
  return (
    <div className="narrow">
      <h1>{t("login.title")}</h1>
      {data?.sent ? (
        <p className="notice" role="status">
          {t(data.limited === "address" ? "login.alreadySent" : "login.sent")}
        </p>
      ) : (
        <>
          <p>{t("login.intro")}</p>
          <Form method="post" className="stack" noValidate>
            {data?.errors && Object.keys(data.errors).length ? <FormError>{t("form.fixErrors")}</FormError> : null}
            {data?.limited === "client" ? <FormError>{t("login.tooMany")}</FormError> : null}
            <input type="hidden" name="next" value={params.get("next") ?? ""} />
            <Field
              name="email"
              type="email"
              label={t("login.email")}
              required
              autoComplete="email"
              defaultValue={data?.values.email}
              error={data?.errors.email}
            />
            <div>
              <button type="submit">{t("login.submit")}</button>
            </div>
          </Form>
          {registration ? (
            <p>
              <Link to="/register">{t("register.offer")}</Link>
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}

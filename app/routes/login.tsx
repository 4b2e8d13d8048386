import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useSearchParams } from "@remix-run/react";
import { Field, FormError } from "~/components/form";
import { useT } from "~/i18n/react";
import { loginSchema } from "~/schemas/auth";
import { requestLoginLink } from "~/services/auth.server";
import { currentUser } from "~/services/session.server";
import { parseForm } from "~/utils/forms";
import { requestLanguage } from "~/utils/lang.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "login.title");

export async function loader({ request }: LoaderFunctionArgs) {
  if (await currentUser(request)) throw redirect("/dashboard");
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const form = parseForm(loginSchema, await request.formData());
  if (!form.ok) return json({ sent: false as const, errors: form.errors, values: form.values }, { status: 400 });
  await requestLoginLink(form.data.email, requestLanguage(request).lang, form.data.next);
  return json({ sent: true as const, errors: {}, values: {} });
}

export default function Login() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const { t } = useT();
  return (
    <div className="narrow">
      <h1>{t("login.title")}</h1>
      {data?.sent ? (
        <p className="notice" role="status">
          {t("login.sent")}
        </p>
      ) : (
        <>
          <p>{t("login.intro")}</p>
          <Form method="post" className="stack" noValidate>
            {data?.errors && Object.keys(data.errors).length ? <FormError>{t("form.fixErrors")}</FormError> : null}
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
        </>
      )}
    </div>
  );
}

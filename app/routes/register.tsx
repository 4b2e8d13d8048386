import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError } from "~/components/form";
import { useT } from "~/i18n/react";
import { registerSchema } from "~/schemas/register";
import { requestRegistration, requireRegistrationOpen } from "~/services/registration.server";
import { currentUser } from "~/services/session.server";
import { loaderError } from "~/utils/action-errors.server";
import { type FieldErrors, parseForm } from "~/utils/forms";
import { requestLanguage } from "~/utils/lang.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "register.title");

/** 404 while ORG_REGISTRATION=closed (app/services/registration.server.ts). */
function mode() {
  try {
    return requireRegistrationOpen();
  } catch (error) {
    return loaderError(error);
  }
}

export async function loader({ request }: LoaderFunctionArgs) {
  const registration = mode();
  if (await currentUser(request)) throw redirect("/dashboard");
  return json({ approval: registration === "approval" });
}

/** A limited request's Retry-After reaches the page (the root's headers otherwise). */
export const headers: HeadersFunction = ({ actionHeaders, parentHeaders }) => {
  const headers = new Headers(parentHeaders);
  const retry = actionHeaders.get("Retry-After");
  if (retry) headers.set("Retry-After", retry);
  return headers;
};

export async function action({ request, context }: ActionFunctionArgs) {
  mode();
  const form = parseForm(registerSchema, await request.formData());
  if (!form.ok) return json({ sent: false as const, limited: null, errors: form.errors, values: form.values }, { status: 400 });
  const outcome = await requestRegistration(form.data, requestLanguage(request).lang, context.clientIp ?? "");
  if (outcome.ok) return json({ sent: true as const, limited: null, errors: {} as FieldErrors, values: {} });
  // As /login: limited for the address, the links already sent still work (the same words for
  // every address); limited for the client, try again later, with what was typed kept.
  const headers = { "Retry-After": String(outcome.retryAfter) };
  const errors: FieldErrors = {};
  if (outcome.limited === "address") return json({ sent: true as const, limited: "address" as const, errors, values: {} }, { status: 429, headers });
  const { name, email, description } = form.data;
  return json({ sent: false as const, limited: "client" as const, errors, values: { name, email, description: description ?? "" } }, { status: 429, headers });
}

export default function Register() {
  const { approval } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { t } = useT();
  const values: Record<string, string | undefined> = data?.values ?? {};
  const errors: FieldErrors = data?.errors ?? {};
  return (
    <div className="narrow">
      <h1>{t("register.title")}</h1>
      {data?.sent ? (
        <p className="notice" role="status">
          {t(data.limited === "address" ? "register.alreadySent" : "register.sent")}
        </p>
      ) : (
        <>
          <p>{t("register.intro")}</p>
          {approval ? <p className="hint">{t("register.approvalNote")}</p> : null}
          <Form method="post" className="stack" noValidate>
            {Object.keys(errors).length ? <FormError>{t("form.fixErrors")}</FormError> : null}
            {data?.limited === "client" ? <FormError>{t("register.tooMany")}</FormError> : null}
            <Field name="name" label={t("register.name")} required maxLength={200} defaultValue={values.name} error={errors.name} autoComplete="organization" />
            <Field name="email" type="email" label={t("register.email")} required autoComplete="email" defaultValue={values.email} error={errors.email} />
            <Field
              name="description"
              label={t("register.description")}
              hint={t("register.descriptionHint")}
              multiline
              rows={4}
              maxLength={500}
              defaultValue={values.description}
              error={errors.description}
            />
            <div>
              <button type="submit">{t("register.submit")}</button>
            </div>
          </Form>
          <p>
            <Link to="/login">{t("register.signIn")}</Link>
          </p>
        </>
      )}
    </div>
  );
}

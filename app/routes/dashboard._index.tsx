import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { FormError, errorText } from "~/components/form";
import { ScrollTable } from "~/components/scroll-table";
import { TitleAndSlug } from "~/components/title-and-slug";
import { CONTENT_LANGUAGES, NATIVE_NAMES } from "~/i18n";
import { MinimalDataField } from "~/components/minimal-data-field";
import { useT } from "~/i18n/react";
import { newAppealSchema } from "~/schemas/appeal";
import { createAppeal, dashboardOverview } from "~/services/appeals.server";
import { requireUser } from "~/services/session.server";
import { reply, actionError } from "~/utils/action-errors.server";
import { parseForm, formValues } from "~/utils/forms";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "dash.title");

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return json({ ...(await dashboardOverview(user.id)), email: user.email });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await request.formData();
  const form = parseForm(newAppealSchema, formData);
  if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
  try {
    const id = await createAppeal(user.id, form.data);
    return redirect(`/dashboard/appeals/${id}`);
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function Dashboard() {
  const { organizations, appeals, email } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { t, number } = useT();
  const values = data?.values ?? {};
  const errors: Record<string, string> = data?.errors ?? {};
  return (
    <>
      <h1>{t("dash.title")}</h1>
      <p className="hint">{t("account.signedInAs", { email })}</p>
      <h2>{t("dash.organizations")}</h2>
      {organizations.length === 0 ? (
        <p>{t("dash.noOrganizations")}</p>
      ) : (
        <ul>
          {organizations.map((o) => (
            <li key={o.id}>
              <Link to={`/dashboard/orgs/${o.id}`}>
                <bdi>{o.name}</bdi>
              </Link>{" "}
              <span className="hint">
                ({t(`dash.role.${o.role}`)}
                {o.status === "pending" ? <>, {t("register.pending")}</> : null})
              </span>
            </li>
          ))}
        </ul>
      )}
      {organizations
        .filter((o) => o.status === "pending")
        .map((o) => (
          <p key={o.id} className="notice" role="status">
            {t("register.pendingNotice", { org: o.name })}
          </p>
        ))}
      <h2 id="appeals-h">{t("dash.appeals")}</h2>
      {appeals.length === 0 ? (
        <p>{t("dash.noAppeals")}</p>
      ) : (
        <ScrollTable labelledBy="appeals-h">
          <thead>
            <tr>
              <th scope="col">{t("dash.titleField")}</th>
              <th scope="col">{t("dash.status")}</th>
              <th scope="col">{t("dash.confirmed")}</th>
            </tr>
          </thead>
          <tbody>
            {appeals.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link to={`/dashboard/appeals/${a.id}`}>
                    <bdi>{a.title || a.slug}</bdi>
                  </Link>
                </td>
                <td>
                  <span className={`badge badge-${a.status}`}>{t(`status.${a.status}`)}</span>
                </td>
                <td>{number(a.confirmed)}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      {organizations.length ? (
        <section aria-labelledby="new-h">
          <h2 id="new-h">{t("dash.newAppeal")}</h2>
          <Form method="post" className="stack" noValidate>
            {Object.keys(errors).length ? <FormError>{errorText(t, errors._form) ?? t("form.fixErrors")}</FormError> : null}
            <div>
              <label htmlFor="f-organizationId">{t("dash.organization")}</label>
              <select id="f-organizationId" name="organizationId" defaultValue={values.organizationId}>
                {organizations.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
            <TitleAndSlug title={values.title} slug={values.slug} errors={errors} />
            <div>
              <label htmlFor="f-originalLanguage">{t("dash.originalLanguage")}</label>
              <select
                id="f-originalLanguage"
                name="originalLanguage"
                defaultValue={values.originalLanguage ?? "ru"}
                aria-invalid={errors.originalLanguage ? true : undefined}
              >
                {CONTENT_LANGUAGES.map((code) => (
                  <option key={code} value={code}>
                    {NATIVE_NAMES[code]}
                  </option>
                ))}
              </select>
              {errors.originalLanguage ? <p className="field-error">{errorText(t, errors.originalLanguage)}</p> : null}
            </div>
            <MinimalDataField checked={values.minimalData === "on"} />
            <div>
              <button type="submit">{t("dash.create")}</button>
            </div>
          </Form>
        </section>
      ) : null}
      <Form method="post" action="/logout" className="stack separated">
        <input type="hidden" name="everywhere" value="1" />
        <div>
          <button type="submit" className="button button-secondary">
            {t("logout.everywhere")}
          </button>
        </div>
      </Form>
    </>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError, errorText } from "~/components/form";
import { ScrollTable } from "~/components/scroll-table";
import { useT } from "~/i18n/react";
import { contactSchema, inviteSchema } from "~/schemas/appeal";
import { inviteMember, organizationPage, removeMember, setContactEmail } from "~/services/organizations.server";
import { requireUser } from "~/services/session.server";
import { reply, actionError, loaderError } from "~/utils/action-errors.server";
import { formValues, idOf, parseForm } from "~/utils/forms";
import { requestLanguage } from "~/utils/lang.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "dash.members");

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    return json({ ...(await organizationPage(idOf(params.orgId), user.id)), me: user.id });
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await request.formData();
  const orgId = idOf(params.orgId);
  try {
    if (formData.get("_intent") === "remove") {
      await removeMember(orgId, user.id, idOf(formData.get("userId")));
      return reply({});
    }
    if (formData.get("_intent") === "contact") {
      const contact = parseForm(contactSchema, formData);
      if (!contact.ok) return reply({ errors: contact.errors, values: { ...contact.values, _for: "contact" } }, 400);
      await setContactEmail(orgId, user.id, contact.data.contactEmail);
      return reply({ notice: "contact" });
    }
    const form = parseForm(inviteSchema, formData);
    if (!form.ok) return reply({ errors: form.errors, values: form.values }, 400);
    await inviteMember(orgId, user.id, form.data.email, form.data.role, requestLanguage(request).lang);
    return reply({});
  } catch (error) {
    return actionError(error, formValues(formData));
  }
}

export default function Organization() {
  const { organization, role, members, me } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { t } = useT();
  const errors: Record<string, string> = data?.errors ?? {};
  return (
    <>
      <h1>{organization.name}</h1>
      <h2 id="members-h">{t("dash.members")}</h2>
      <ScrollTable labelledBy="members-h">
        <tbody>
          {members.map((m) => (
            <tr key={m.id}>
              <td>{m.email ?? m.name ?? `#${m.id}`}</td>
              <td>{t(`dash.role.${m.role}`)}</td>
              <td>
                {role === "owner" && m.id !== me ? (
                  <Form method="post">
                    <input type="hidden" name="_intent" value="remove" />
                    <input type="hidden" name="userId" value={m.id} />
                    <button type="submit" className="link-button">
                      {t("dash.remove")}
                    </button>
                  </Form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </ScrollTable>
      {role === "owner" ? (
        <section aria-labelledby="invite-h">
          <h2 id="invite-h">{t("dash.invite")}</h2>
          {data?.ok && data.notice !== "contact" ? (
            <p className="notice" role="status">
              {t("dash.invited")}
            </p>
          ) : null}
          <Form method="post" className="stack" noValidate>
            {errors._form ? <FormError>{errorText(t, errors._form)}</FormError> : null}
            <Field
              name="email"
              type="email"
              label={t("dash.inviteEmail")}
              required
              defaultValue={data?.values.email}
              error={data?.values._for === "contact" ? undefined : errors.email}
            />
            <div>
              <label htmlFor="f-role">{t("dash.inviteRole")}</label>
              <select id="f-role" name="role" defaultValue={data?.values.role ?? "editor"}>
                <option value="editor">{t("dash.role.editor")}</option>
                <option value="owner">{t("dash.role.owner")}</option>
              </select>
            </div>
            <div>
              <button type="submit">{t("dash.inviteSubmit")}</button>
            </div>
          </Form>
        </section>
      ) : null}
      <section aria-labelledby="contact-h">
        <h2 id="contact-h">{t("delivery.contact")}</h2>
        <p className="hint">{t("delivery.contactHint")}</p>
        {data?.notice === "contact" ? (
          <p className="notice" role="status">
            {t("delivery.contactSaved")}
          </p>
        ) : null}
        {role === "owner" ? (
          <Form method="post" className="stack" noValidate>
            <input type="hidden" name="_intent" value="contact" />
            <Field
              name="contactEmail"
              type="email"
              label={t("delivery.contact")}
              required
              defaultValue={data?.values._for === "contact" ? data.values.contactEmail : organization.contact_email}
              error={data?.values._for === "contact" ? errors.contactEmail : undefined}
            />
            <div>
              <button type="submit">{t("form.save")}</button>
            </div>
          </Form>
        ) : organization.contact_email ? (
          <p>{organization.contact_email}</p>
        ) : (
          <p>{t("delivery.contactNone")}</p>
        )}
      </section>
    </>
  );
}

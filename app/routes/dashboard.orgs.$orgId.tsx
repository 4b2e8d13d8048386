import { useEffect, useRef } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError, errorText } from "~/components/form";
import { ScrollTable } from "~/components/scroll-table";
import { useT } from "~/i18n/react";
import { contactSchema, inviteSchema } from "~/schemas/appeal";
import { certificateUploadSchema } from "~/schemas/certificate";
import { readCertificateForm } from "~/services/certificate-upload.server";
import { keyFromForm } from "~/services/openpgp.server";
import { organizationKey, setOrganizationKey } from "~/services/openpgp-keys.server";
import { inviteMember, organizationPage, removeMember, setContactEmail } from "~/services/organizations.server";
import { requireUser } from "~/services/session.server";
import { rotateSigningIdentity, signingCertificatePage, uploadPkcs12 } from "~/services/signing-identity.server";
import { reply, actionError, loaderError } from "~/utils/action-errors.server";
import { formValues, idOf, parseFields, parseForm, formFields } from "~/utils/forms";
import { requestLanguage } from "~/utils/lang.server";
import { titleMeta } from "~/utils/meta";
import { formatFingerprint } from "~/utils/openpgp-fingerprint";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "dash.members");

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const page = await organizationPage(idOf(params.orgId), user.id);
    // Owners see the letter-signing certificate (made now if the organization has none yet).
    const certificate = page.role === "owner" ? await signingCertificatePage(idOf(params.orgId), user.id) : null;
    const openpgp = await organizationKey(idOf(params.orgId), user.id);
    return json({ ...page, certificate, openpgp, me: user.id });
  } catch (error) {
    return loaderError(error);
  }
}

/**
 * The certificate upload (multipart: a PKCS#12 file and its passphrase, bounded by
 * readCertificateForm). What was typed comes back, except the passphrase.
 */
async function certificateAction(orgId: number, userId: number, fields: Array<[string, string]>, file: Buffer | null) {
  const values = { _for: "certificate" };
  const form = parseFields(certificateUploadSchema, formFields(fields));
  if (!form.ok) return reply({ errors: { file: form.errors._intent ?? form.errors.passphrase ?? "certificate.badForm" }, values }, 400);
  try {
    await uploadPkcs12(orgId, userId, file ?? new Uint8Array(), form.data.passphrase);
    return reply({ notice: "certificate" });
  } catch (error) {
    return actionError(error, values);
  }
}

/**
 * The organization's OpenPGP key (its own form, posted to `?openpgp`: a pasted key or a file of
 * at most 64 KiB, in a multipart body bounded by server/body-limit.ts), or its removal.
 */
async function openpgpAction(request: Request, orgId: number, userId: number) {
  const values = { _for: "openpgp" };
  let formData: FormData;
  try {
    formData = await request.formData();
  } catch {
    return reply({ errors: { openpgpKey: "openpgp.badForm" }, values }, 400);
  }
  try {
    const key = formData.get("_intent") === "removeOpenpgp" ? null : await keyFromForm(formData);
    if (key === undefined) return reply({ errors: { openpgpKey: "openpgp.unreadable" }, values }, 400);
    await setOrganizationKey(orgId, userId, key);
    return reply({ notice: key ? "openpgpSaved" : "openpgpRemoved" });
  } catch (error) {
    return actionError(error, values);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const orgId = idOf(params.orgId);
  if (new URL(request.url).searchParams.has("openpgp")) return openpgpAction(request, orgId, user.id);
  let formData: FormData;
  if (/^multipart\/form-data/i.test(request.headers.get("content-type") ?? "")) {
    const upload = await readCertificateForm(request);
    if (!upload.ok)
      return reply({ errors: { file: `certificate.${upload.reason}` }, values: { _for: "certificate" } }, upload.reason === "tooLarge" ? 413 : 400);
    if (upload.fields.some(([name, value]) => name === "_intent" && value === "certificate"))
      return certificateAction(orgId, user.id, upload.fields, upload.file);
    formData = new FormData();
    for (const [name, value] of upload.fields) formData.append(name, value);
  } else {
    formData = await request.formData();
  }
  try {
    if (formData.get("_intent") === "rotate") {
      await rotateSigningIdentity(orgId, user.id);
      return reply({ notice: "rotated" });
    }
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
  const { organization, role, members, me, certificate, openpgp } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { t, date } = useT();
  // The passphrase is never sent back; after an answer the field is emptied in the browser too.
  const passphrase = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (passphrase.current) passphrase.current.value = "";
  }, [data]);
  const errors: Record<string, string> = data?.errors ?? {};
  return (
    <>
      <h1>
        <bdi>{organization.name}</bdi>
      </h1>
      <h2 id="members-h">{t("dash.members")}</h2>
      <ScrollTable labelledBy="members-h">
        <tbody>
          {members.map((m) => (
            <tr key={m.id}>
              <td>
                <bdi>{m.email ?? m.name ?? `#${m.id}`}</bdi>
              </td>
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
          {data?.ok && data.notice === null ? (
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
              error={data?.values._for ? undefined : errors.email}
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
      <section aria-labelledby="openpgp-h">
        <h2 id="openpgp-h">{t("openpgp.orgTitle")}</h2>
        <p className="hint">{t("openpgp.orgIntro")}</p>
        {data?.notice === "openpgpSaved" || data?.notice === "openpgpRemoved" ? (
          <p className="notice" role="status">
            {t(data.notice === "openpgpSaved" ? "openpgp.orgSaved" : "openpgp.orgRemoved")}
          </p>
        ) : null}
        {openpgp.fingerprint ? (
          <dl className="facts">
            <dt>{t("openpgp.fingerprint")}</dt>
            <dd>
              <code className="digest" data-testid="organization-openpgp-fingerprint">
                {formatFingerprint(openpgp.fingerprint)}
              </code>
            </dd>
          </dl>
        ) : (
          <p>{t("openpgp.orgNone")}</p>
        )}
        {role === "owner" ? (
          <>
            <Form method="post" action="?openpgp" encType="multipart/form-data" className="stack" noValidate>
              <input type="hidden" name="_intent" value="openpgp" />
              <Field
                name="openpgpKey"
                label={t("openpgp.orgTitle")}
                multiline
                rows={4}
                error={data?.values._for === "openpgp" ? errors.openpgpKey : undefined}
              />
              <div className="field">
                <label htmlFor="f-openpgp-file">{t("openpgp.keyFile")}</label>
                <input id="f-openpgp-file" type="file" name="file" accept=".asc,.gpg,.pgp,.key,application/pgp-keys" />
              </div>
              <div>
                <button type="submit">{t("openpgp.orgSave")}</button>
              </div>
            </Form>
            {openpgp.fingerprint ? (
              <Form method="post" action="?openpgp" encType="multipart/form-data">
                <input type="hidden" name="_intent" value="removeOpenpgp" />
                <button type="submit" className="link-button">
                  {t("openpgp.orgRemove")}
                </button>
              </Form>
            ) : null}
          </>
        ) : null}
      </section>
      {certificate ? (
        <section aria-labelledby="certificate-h">
          <h2 id="certificate-h">{t("certificate.title")}</h2>
          <p className="hint">{t("certificate.intro")}</p>
          {data?.notice === "certificate" || data?.notice === "rotated" ? (
            <p className="notice" role="status">
              {t(data.notice === "rotated" ? "certificate.rotated" : "certificate.uploaded")}
            </p>
          ) : null}
          <dl className="facts">
            <dt>{t("certificate.fingerprint")}</dt>
            <dd>
              <code className="digest" data-testid="certificate-fingerprint">
                {certificate.fingerprint}
              </code>
            </dd>
            <dt>{t("certificate.subject")}</dt>
            <dd>{certificate.subject}</dd>
            <dt>{t("certificate.issuer")}</dt>
            <dd>{certificate.issuer}</dd>
            <dt>{t("certificate.validity")}</dt>
            <dd>{t("certificate.validityRange", { from: date(certificate.notBefore, "long"), to: date(certificate.notAfter, "long") })}</dd>
            <dt>{t("certificate.source")}</dt>
            <dd>{t(`certificate.source.${certificate.source}`)}</dd>
            <dt>{t("certificate.since")}</dt>
            <dd>{date(certificate.since, "datetime")}</dd>
          </dl>
          <Form method="post" className="stack">
            <input type="hidden" name="_intent" value="rotate" />
            <p className="hint">{t("certificate.rotateHint")}</p>
            <div>
              <button type="submit">{t("certificate.rotate")}</button>
            </div>
          </Form>
          <h3>{t("certificate.upload")}</h3>
          <Form method="post" encType="multipart/form-data" className="stack" noValidate>
            <input type="hidden" name="_intent" value="certificate" />
            <p className="hint" id="f-certificate-hint">
              {t("certificate.uploadHint")}
            </p>
            <div className="field">
              <label htmlFor="f-certificate-file">{t("certificate.file")}</label>
              <input
                id="f-certificate-file"
                type="file"
                name="file"
                accept=".p12,.pfx,application/x-pkcs12"
                aria-describedby={data?.values._for === "certificate" && errors.file ? "f-certificate-file-error" : "f-certificate-hint"}
                aria-invalid={data?.values._for === "certificate" && errors.file ? true : undefined}
              />
              {data?.values._for === "certificate" && errors.file ? (
                <p id="f-certificate-file-error" className="field-error">
                  {errorText(t, errors.file)}
                </p>
              ) : null}
            </div>
            <div className="field">
              <label htmlFor="f-certificate-passphrase">{t("certificate.passphrase")}</label>
              <input ref={passphrase} id="f-certificate-passphrase" type="password" name="passphrase" autoComplete="off" maxLength={1000} />
            </div>
            <div>
              <button type="submit">{t("certificate.uploadSubmit")}</button>
            </div>
          </Form>
        </section>
      ) : null}
    </>
  );
}

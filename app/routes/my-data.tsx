import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { Field, FormError } from "~/components/form";
import { useT } from "~/i18n/react";
import { myDataSchema } from "~/schemas/auth";
import { requestMyData } from "~/services/my-data.server";
import { parseForm } from "~/utils/forms";
import { requestLanguage } from "~/utils/lang.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, "mydata.title");

export async function action({ request }: ActionFunctionArgs) {
  const form = parseForm(myDataSchema, await request.formData());
  if (!form.ok) return json({ sent: false, errors: form.errors, values: form.values }, { status: 400 });
  await requestMyData(form.data.email, requestLanguage(request).lang);
  return json({ sent: true, errors: {}, values: {} });
}

export default function MyData() {
  const data = useActionData<typeof action>();
  const { t } = useT();
  return (
    <div className="narrow">
      <h1>{t("mydata.title")}</h1>
      {data?.sent ? (
        <p className="notice" role="status">
          {t("mydata.sent")}
        </p>
      ) : (
        <Form method="post" className="stack" noValidate>
          <p>{t("mydata.intro")}</p>
          {data?.errors && Object.keys(data.errors).length ? <FormError>{t("form.fixErrors")}</FormError> : null}
          <Field
            name="email"
            type="email"
            label={t("mydata.email")}
            required
            autoComplete="email"
            defaultValue={(data?.values as Record<string, string> | undefined)?.email}
            error={(data?.errors as Record<string, string> | undefined)?.email}
          />
          <div>
            <button type="submit">{t("mydata.submit")}</button>
          </div>
        </Form>
      )}
    </div>
  );
}

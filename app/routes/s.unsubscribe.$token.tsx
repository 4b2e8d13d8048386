import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { checkUnsubscribe, unsubscribe } from "~/services/updates.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [
  ...titleMeta(matches, "unsubscribe.title"),
  { name: "robots", content: "noindex" },
  { name: "referrer", content: "no-referrer" },
];

// GET only shows a button (mail scanners prefetch links). POST unsubscribes, including the
// RFC 8058 one-click POST mail clients send from the List-Unsubscribe header.
export async function loader({ params }: LoaderFunctionArgs) {
  return json({ state: await checkUnsubscribe(params.token ?? "") });
}

export async function action({ params }: ActionFunctionArgs) {
  const state = await unsubscribe(params.token ?? "");
  return json({ state }, { status: state === "done" ? 200 : 400 });
}

export default function Unsubscribe() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const { t } = useT();
  const state = acted?.state ?? loaded.state;
  return (
    <div className="narrow">
      <h1>{t("unsubscribe.title")}</h1>
      {state === "done" ? (
        <p className="notice" role="status">
          {t("unsubscribe.done")}
        </p>
      ) : state === "valid" ? (
        <Form method="post" className="stack">
          <p>{t("unsubscribe.intro")}</p>
          <div>
            <button type="submit">{t("unsubscribe.button")}</button>
          </div>
        </Form>
      ) : (
        <p className="notice-error" role="alert">
          {t("unsubscribe.invalid")}
        </p>
      )}
    </div>
  );
}

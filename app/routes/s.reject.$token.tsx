import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { TokenPage } from "~/components/token-page";
import { useT } from "~/i18n/react";
import { rejectSignature, peekToken } from "~/services/signing.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [
  ...titleMeta(matches, "reject.title"),
  { name: "robots", content: "noindex" },
  { name: "referrer", content: "no-referrer" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  return json({ view: await peekToken(params.token ?? "", "reject") }, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ params }: ActionFunctionArgs) {
  const view = await rejectSignature(params.token ?? "");
  const done = view.state === "valid" || view.state === "delivered";
  return json({ view, done, count: null }, { status: done ? 200 : view.state === "invalid" ? 400 : 410 });
}

export default function RejectPage() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const { plural } = useT();
  const count = acted?.count;
  return (
    <TokenPage
      view={acted?.view ?? loaded.view}
      done={Boolean(acted?.done)}
      kind="reject"
      count={typeof count === "number" ? plural("home.signatures", count) : undefined}
    />
  );
}

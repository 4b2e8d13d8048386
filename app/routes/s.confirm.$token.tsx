import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { TokenPage } from "~/components/token-page";
import { submitConfirmation } from "~/services/sign-form.server";
import { peekToken } from "~/services/signing.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [
  ...titleMeta(matches, "confirm.title"),
  { name: "robots", content: "noindex" },
  { name: "referrer", content: "no-referrer" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  return json({ view: await peekToken(params.token ?? "", "confirm") }, { headers: { "Cache-Control": "no-store" } });
}

// Confirming's rule lives in submitConfirmation (app/services/sign-form.server.ts), which the fast
// path (server/fast-paths.ts) calls too: a POST that confirms is answered there, without reaching
// this action. Here: the same outcome, and the link page explaining why otherwise.
export async function action({ params }: ActionFunctionArgs) {
  const result = await submitConfirmation(params.token ?? "");
  // The thanks page, with the count and the link to share, and a signed cookie that lets it say
  // this browser's signature is confirmed.
  if (result.outcome === "confirmed") return redirect(result.location, { status: 303, headers: { "Set-Cookie": result.cookie } });
  const { view } = result;
  return json({ view, done: false }, { status: view.state === "already" ? 200 : view.state === "invalid" ? 400 : 410 });
}

export default function ConfirmPage() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  // A confirmation that succeeds redirects to the thanks page: this page only explains why not.
  return <TokenPage view={acted?.view ?? loaded.view} done={Boolean(acted?.done)} kind="confirm" />;
}

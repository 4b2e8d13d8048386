import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { TokenPage } from "~/components/token-page";
import { useT } from "~/i18n/react";
import { confirmedRedirect } from "~/services/confirmed-flash.server";
import { confirmSignature, confirmedCountBySlug, peekToken } from "~/services/signing.server";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [...titleMeta(matches, "confirm.title"), { name: "robots", content: "noindex" }, { name: "referrer", content: "no-referrer" }];

export async function loader({ params }: LoaderFunctionArgs) {
  return json({ view: await peekToken(params.token ?? "", "confirm") }, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ params }: ActionFunctionArgs) {
  const view = await confirmSignature(params.token ?? "");
  const done = view.state === "valid" || view.state === "delivered";
  // The same answer as the fast path (server/fast-paths.ts): the thanks page, with the count and the
  // link to share, and a signed cookie that lets it say this browser's signature is confirmed.
  if (done && view.slug) {
    const { location, cookie } = confirmedRedirect(view.slug);
    return redirect(location, { status: 303, headers: { "Set-Cookie": cookie } });
  }
  const count = done && view.slug ? await confirmedCountBySlug(view.slug) : null;
  return json({ view, done, count }, { status: done ? 200 : view.state === "already" ? 200 : view.state === "invalid" ? 400 : 410 });
}


export default function ConfirmPage() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const { plural } = useT();
  const count = acted?.count;
  return <TokenPage view={acted?.view ?? loaded.view} done={Boolean(acted?.done)} kind="confirm" count={typeof count === "number" ? plural("home.signatures", count) : undefined} />;
}

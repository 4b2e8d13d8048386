import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useOutlet } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useT } from "~/i18n/react";
import { devMailboxEnabled, keptMails } from "~/services/outbox.server";
import { titleMeta } from "~/utils/meta";

/*
 * Developer tool: with no SMTP_URL the outbox worker keeps e-mails instead of sending them,
 * and this page lists them (its child, dev.mailbox.$id, shows one). These two pages are the
 * only place the app shows an e-mail address (the recipient's). That is acceptable only
 * because they exist on a developer's machine: outside production. With NODE_ENV=production
 * both answer 404.
 */

const PAGE_SIZE = 100;

export const meta: MetaFunction = ({ matches }) => [...titleMeta(matches, "mailbox.title"), { name: "robots", content: "noindex" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  if (!devMailboxEnabled()) throw new Response(null, { status: 404 });
  const headers = { "Cache-Control": "no-store" };
  // /dev/mailbox/:id renders in this route's outlet and loads its own data.
  if (params.id !== undefined) return json({ mails: [], older: null, paged: false }, { headers });
  const before = Number(new URL(request.url).searchParams.get("before"));
  const paged = Number.isSafeInteger(before) && before > 0;
  const mails = await keptMails({ before: paged ? before : undefined, limit: PAGE_SIZE });
  const older = mails.length === PAGE_SIZE ? mails[mails.length - 1].id : null;
  return json({ mails, older, paged }, { headers });
}

export default function DevMailbox() {
  const outlet = useOutlet();
  const { mails, older, paged } = useLoaderData<typeof loader>();
  const { t, date } = useT();
  if (outlet) return outlet;
  return (
    <>
      <h1>{t("mailbox.title")}</h1>
      <p className="lead">{t("mailbox.intro")}</p>
      {mails.length === 0 ? (
        <div className="empty-state">
          <p>{t("mailbox.empty")}</p>
        </div>
      ) : (
        <table>
          <caption className="visually-hidden">{t("mailbox.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("mailbox.time")}</th>
              <th scope="col">{t("mailbox.kind")}</th>
              <th scope="col">{t("mailbox.to")}</th>
              <th scope="col">{t("mailbox.subject")}</th>
            </tr>
          </thead>
          <tbody>
            {mails.map((mail) => (
              <tr key={mail.id}>
                <td>
                  {/* Browsers lacking Kazakh date data format it unlike Node: keep the server's text. */}
                  <time dateTime={mail.created_at} suppressHydrationWarning>
                    {date(mail.created_at, "datetime")}
                  </time>
                </td>
                <td>
                  <code>{mail.kind}</code>
                </td>
                <td>{mail.to_address}</td>
                <td>
                  <Link to={`/dev/mailbox/${mail.id}`}>{mail.subject}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {paged || older !== null ? (
        <nav aria-label={t("mailbox.title")}>
          <ul className="inline-list">
            {paged ? (
              <li>
                <Link to="/dev/mailbox">{t("mailbox.newest")}</Link>
              </li>
            ) : null}
            {older !== null ? (
              <li>
                <Link to={`/dev/mailbox?before=${older}`}>{t("mailbox.older")}</Link>
              </li>
            ) : null}
          </ul>
        </nav>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { receiptRequestSchema } from "~/schemas/receipts";
import { justConfirmed, receiptTokenFrom } from "~/services/confirmed-flash.server";
import { receiptMailable, receiptOffered, takeReceipt } from "~/services/receipts.server";
import { parseForm } from "~/utils/forms";
import { cachedPublicAppeal } from "~/services/public-appeal.server";
import { confirmedCountBySlug } from "~/services/signing.server";
import { env } from "~/utils/env.server";
import { requestLanguage } from "~/utils/lang.server";
import { errorTitleMeta, titleMeta } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ matches, data, error }) =>
  data ? [...titleMeta(matches, data.confirmed ? "confirm.title" : "thanks.title"), { name: "robots", content: "noindex" }] : errorTitleMeta(matches, error);

/**
 * Where a confirmation lands (POST, then redirect here): thanks, the count, and the link to share.
 * It says "your signature is confirmed" only to the browser that has just confirmed (a signed
 * cookie set by the confirmation, see confirmed-flash.server.ts); anyone else reads how signing works.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const negotiated = requestLanguage(request);
  const view = await cachedPublicAppeal(params.slug ?? "", negotiated.requested, negotiated.lang);
  if (!view) throw new Response(null, { status: 404 });
  const count = (await confirmedCountBySlug(view.slug)) ?? view.confirmed;
  const confirmed = justConfirmed(request.headers.get("Cookie"), view.slug);
  const receiptToken = receiptTokenFrom(request.headers.get("Cookie"), view.slug);
  const offerReceipt = confirmed && (await receiptOffered(receiptToken));
  // A minimal-data appeal keeps no address for a signer who did not ask for news: nothing to mail it to.
  const mailReceipt = offerReceipt && (await receiptMailable(receiptToken));
  return json(
    { slug: view.slug, title: view.title, lang: view.lang, count, confirmed, offerReceipt, mailReceipt, shareUrl: `${env().APP_URL}/appeals/${view.slug}` },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

/**
 * "Keep a receipt" (opt-in, after the warning): only the browser holding the confirmation's
 * single-use receipt token (in its thanks cookie) gets the receipt, once. Nothing of it is logged
 * or stored; the e-mail copy only when asked for.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const negotiated = requestLanguage(request);
  const view = await cachedPublicAppeal(params.slug ?? "", negotiated.requested, negotiated.lang);
  if (!view) throw new Response(null, { status: 404 });
  const headers = { "Cache-Control": "private, no-store" };
  const form = parseForm(receiptRequestSchema, await request.formData());
  if (!form.ok) return json({ receipt: null, mailed: false, error: "receipt.badForm" as const }, { status: 400, headers });
  const taken = await takeReceipt(receiptTokenFrom(request.headers.get("Cookie"), view.slug), view.slug, {
    email: form.data.email,
    lang: negotiated.lang,
    appUrl: env().APP_URL,
    title: view.title,
  });
  if (!taken.ok) return json({ receipt: null, mailed: false, error: "receipt.gone" as const }, { status: 410, headers });
  return json({ receipt: taken.receipt, mailed: taken.mailed, error: null }, { headers });
}

export default function Thanks() {
  const { slug, title, lang, count, confirmed, offerReceipt, mailReceipt, shareUrl } = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const { t, plural } = useT();
  return (
    <div className="narrow">
      <h1>{t(confirmed ? "confirm.title" : "thanks.title")}</h1>
      {confirmed ? (
        <p className="notice" role="status">
          {t("confirm.done")}
        </p>
      ) : (
        <p>{t("thanks.neutral")}</p>
      )}
      <p>{t("confirm.countNow", { count: plural("home.signatures", count) })}</p>
      <p>
        {t("confirm.share")}{" "}
        <Link to={`/appeals/${slug}`} lang={lang}>
          {title}
        </Link>
      </p>
      <p>
        <label htmlFor="share-url">{t("appeal.shareLink")}</label>
        <input id="share-url" type="url" readOnly value={shareUrl} />
      </p>
      {acted?.receipt ? (
        <section aria-labelledby="receipt-title" className="stack">
          <h2 id="receipt-title">{t("receipt.yours")}</h2>
          <p className="notice-error">{t("receipt.warning")}</p>
          <div>
            <label htmlFor="receipt">{t("receipt.copy")}</label>
            <textarea id="receipt" readOnly rows={9} value={acted.receipt} data-testid="receipt" />
          </div>
          <p>
            <a download={`receipt-${slug}.txt`} href={`data:text/plain;charset=utf-8,${encodeURIComponent(`${acted.receipt}\n`)}`}>
              {t("receipt.download")}
            </a>
          </p>
          {acted.mailed ? <p role="status">{t("receipt.mailed")}</p> : null}
        </section>
      ) : acted?.error ? (
        <p className="notice-error" role="alert">
          {t(acted.error)}
        </p>
      ) : offerReceipt ? (
        <Form method="post" className="stack" aria-labelledby="receipt-offer">
          <h2 id="receipt-offer">{t("receipt.title")}</h2>
          <p>
            <strong>{t("receipt.warning")}</strong>
          </p>
          <p className="hint">{t("receipt.what")}</p>
          <input type="hidden" name="_intent" value="receipt" />
          {mailReceipt ? (
            <div>
              <label className="checkbox">
                <input type="checkbox" name="email" /> {t("receipt.alsoEmail")}
              </label>
            </div>
          ) : (
            <p className="hint">{t("minimal.noAddress")}</p>
          )}
          <div>
            <button type="submit">{t("receipt.keep")}</button>
          </div>
        </Form>
      ) : null}
    </div>
  );
}

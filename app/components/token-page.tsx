import { Form, Link } from "@remix-run/react";
import type { MessageKey } from "~/i18n";
import { useT } from "~/i18n/react";
import type { TokenView } from "~/services/signing.server";

/**
 * The page behind an e-mail link: opening it shows a button (POST), so mail scanners that
 * prefetch links change nothing; pressing it shows the outcome.
 */
export function TokenPage({ view, done, kind, count }: { view: TokenView; done: boolean; kind: "confirm" | "reject" | "withdraw"; count?: string }) {
  const { t } = useT();
  const title = t(`${kind}.title` as MessageKey);
  const outcome: Record<string, MessageKey> = {
    already: "confirm.already",
    expired: "confirm.expired",
    invalid: "confirm.invalid",
    closed: "confirm.closed",
  };
  const doneKey: MessageKey =
    kind === "confirm" ? "confirm.done" : view.state === "delivered" ? "withdraw.done.delivered" : kind === "reject" ? "reject.done" : "withdraw.done";
  return (
    <div className="narrow">
      <h1>{title}</h1>
      {done ? (
        <>
          <p className="notice" role="status">
            {t(doneKey)}
          </p>
          {kind === "confirm" && count ? <p>{t("confirm.countNow", { count })}</p> : null}
          {kind === "confirm" && view.slug ? (
            <p>
              {t("confirm.share")} <Link to={`/appeals/${view.slug}`}>{view.title}</Link>
            </p>
          ) : null}
        </>
      ) : view.state === "valid" || view.state === "delivered" ? (
        <Form method="post" className="stack">
          <p>{kind === "reject" ? t("reject.intro") : t(`${kind}.intro` as MessageKey, { title: view.title })}</p>
          {view.state === "delivered" ? <p className="hint">{t("withdraw.afterDelivery")}</p> : null}
          <div>
            <button type="submit" className={kind === "confirm" ? undefined : "button button-danger"}>
              {t(`${kind}.button` as MessageKey)}
            </button>
          </div>
        </Form>
      ) : (
        <>
          <p className={view.state === "already" ? "notice" : "notice-error"} role="alert">
            {t(outcome[view.state] ?? "confirm.invalid")}
          </p>
          {view.slug ? (
            <p>
              <Link to={`/appeals/${view.slug}`}>{view.title}</Link>
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}

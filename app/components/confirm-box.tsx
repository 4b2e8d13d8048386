import { Form } from "@remix-run/react";
import type { ReactNode } from "react";

/**
 * The second step of an action that cannot be undone (close signing, delete a draft, send a
 * letter): what will happen, a confirm button that posts the signed intent `token` with its
 * `intent`, and a way back. Works without JavaScript.
 */
export function ConfirmBox(props: {
  id: string;
  heading: ReactNode;
  level?: 2 | 3;
  className?: string;
  children: ReactNode;
  token: string;
  intent: string;
  confirmLabel: ReactNode;
  danger?: boolean;
  cancelHref: string;
  cancelLabel: ReactNode;
}) {
  const Heading = props.level === 2 ? "h2" : "h3";
  return (
    <section aria-labelledby={props.id} className={["confirm-box", props.className].filter(Boolean).join(" ")}>
      <Heading id={props.id}>{props.heading}</Heading>
      {props.children}
      <div className="row-actions">
        <Form method="post">
          <input type="hidden" name="token" value={props.token} />
          <button type="submit" name="_intent" value={props.intent} className={props.danger ? "button button-danger" : undefined}>
            {props.confirmLabel}
          </button>
        </Form>
        <a href={props.cancelHref}>{props.cancelLabel}</a>
      </div>
    </section>
  );
}

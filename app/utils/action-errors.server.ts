import { json } from "@remix-run/node";
import { FieldConflict, PublishBlocked, StaleEdit } from "../services/appeals.server";
import { AttachmentRejected } from "../services/attachments.server";
import { LetterRefused } from "../services/letters.server";
import { AppError } from "./errors";
import type { PublishProblem } from "../services/appeals.server";

export interface FormReply {
  ok: boolean;
  errors: Record<string, string>;
  values: Record<string, string>;
  problems: PublishProblem[];
  stale: number | null;
  notice: string | null;
}

/** The one shape every dashboard form action answers with. */
export function reply(part: Partial<FormReply>, status = 200) {
  const body: FormReply = { ok: status < 400, errors: {}, values: {}, problems: [], stale: null, notice: null, ...part };
  return json(body, { status });
}

/**
 * Maps what a service threw to the answer of a form action: field errors and precise problems
 * go back to the form with what was typed; 403/404 become the error page. Anything else is a bug
 * and propagates (500).
 */
export function actionError(error: unknown, values: Record<string, string>) {
  if (error instanceof FieldConflict) return reply({ errors: { [error.field]: error.messageKey }, values }, 409);
  if (error instanceof AttachmentRejected) return reply({ errors: { file: error.messageKey }, values }, error.messageKey === "attachment.tooLarge" ? 413 : error.messageKey === "attachment.diskFull" ? 507 : 400);
  if (error instanceof LetterRefused) return reply({ errors: { _form: error.messageKey }, values }, error.messageKey === "letters.notReady" ? 409 : 400);
  if (error instanceof StaleEdit) return reply({ values, stale: error.currentRevision }, 409);
  if (error instanceof PublishBlocked) return reply({ values, problems: error.problems }, 400);
  if (error instanceof AppError) {
    if (error.status === 403 || error.status === 404) throw new Response(null, { status: error.status });
    return reply({ errors: { _form: error.message.includes(".") ? error.message : "form.invalid" }, values }, error.status);
  }
  throw error;
}

export function loaderError(error: unknown): never {
  if (error instanceof AppError) throw new Response(null, { status: error.status });
  throw error;
}

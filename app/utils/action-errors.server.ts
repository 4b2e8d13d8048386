import { json } from "@remix-run/node";
import { AppError, messageKeyOf, type PublishProblem } from "./errors";

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
 * Maps what a service threw to the answer of a form action, by the error's code alone: 403/404
 * become the error page; a stale edit and a blocked publication carry their details back; every
 * other code goes back to the form, with what was typed, as its message on its field (the whole
 * form unless the error names one) and the code's status. Anything that is not an AppError is a
 * bug and propagates (500).
 */
export function actionError(error: unknown, values: Record<string, string>) {
  if (!(error instanceof AppError)) throw error;
  switch (error.code) {
    case "forbidden":
    case "not_found":
      throw new Response(null, { status: error.status });
    case "stale":
      return reply({ values, stale: error.currentRevision }, error.status);
    case "blocked":
      return reply({ values, problems: error.problems }, error.status);
    default:
      return reply({ errors: { [error.field]: messageKeyOf(error) }, values }, error.status);
  }
}

export function loaderError(error: unknown): never {
  if (error instanceof AppError) throw new Response(null, { status: error.status });
  throw error;
}

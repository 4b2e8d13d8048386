import type { MessageKey } from "../i18n";

/**
 * The one error the services raise on purpose. Its code says what kind of refusal it is, and
 * from the code alone follow the HTTP status (STATUS below) and how a form shows it
 * (app/utils/action-errors.server.ts); the message key, when there is one, is what the user
 * reads, translated into their language. Callers (routes, the CLI) branch on the code, never
 * on the message's text.
 */
export type AppErrorCode =
  /** No such thing, or not for this user to know of: the 404 page. */
  | "not_found"
  /** A member without the role it takes: the 403 page. */
  | "forbidden"
  | "unauthenticated"
  /** What was sent cannot be used: a field, a file of the wrong type, a language the appeal has no version in. */
  | "bad_request"
  /** The appeal is still a draft: letters and updates wait for its publication. */
  | "draft"
  /** Nothing to work on: an empty file, an export without signatures. */
  | "empty"
  /** Publishing is blocked; `problems` lists each missing part. */
  | "blocked"
  /**
   * Every slot is taken (the user's downloads, the process's, the organization's letter queue):
   * try again when one is done. Answered 400 on the form like the other refusals the user acts
   * on (a 429 or 503 invites a client to retry by itself).
   */
  | "busy"
  /** The request clashes with the current state: a slug taken, the last owner, letters not ready. */
  | "conflict"
  /** An edit made against an older revision; `currentRevision` is the one the appeal is at now. */
  | "stale"
  /** The appeal no longer takes signatures or edits. */
  | "closed"
  | "too_large"
  /** Again too soon (one update a day). */
  | "too_many"
  /** The server's disk is full: the user is told so, their form kept. */
  | "storage_full";

const STATUS: Record<AppErrorCode, number> = {
  not_found: 404,
  forbidden: 403,
  unauthenticated: 401,
  bad_request: 400,
  draft: 400,
  empty: 400,
  blocked: 400,
  busy: 400,
  conflict: 409,
  stale: 409,
  closed: 409,
  too_large: 413,
  too_many: 429,
  storage_full: 507,
};

/** What stops publication, precisely: each problem names the language or the part missing. */
export type PublishProblem =
  | { code: "missingTitle"; lang: string }
  | { code: "missingBody"; lang: string }
  | { code: "missingOriginal"; lang: string }
  | { code: "noAddressees" }
  | { code: "addresseeName"; lang: string; index: number };

export interface AppErrorDetails {
  /** The form field the message belongs to; the whole form ("_form") when none. */
  field?: string;
  /** stale: the revision the appeal is at now. */
  currentRevision?: number;
  /** blocked: what stops publication. */
  problems?: PublishProblem[];
}

export class AppError extends Error {
  readonly field: string;
  readonly currentRevision: number | null;
  readonly problems: PublishProblem[];
  constructor(
    public readonly code: AppErrorCode,
    /** What the user reads (an i18n key); without one a form says "form.invalid". */
    public readonly messageKey?: MessageKey,
    details: AppErrorDetails = {},
  ) {
    super(messageKey ?? code);
    this.field = details.field ?? "_form";
    this.currentRevision = details.currentRevision ?? null;
    this.problems = details.problems ?? [];
  }
  get status() {
    return STATUS[this.code];
  }
}

/** The i18n key a form shows for an error: its own message, or "form.invalid". */
export function messageKeyOf(error: AppError): MessageKey {
  return error.messageKey ?? "form.invalid";
}

/*
 * The database (or the connection to it) is down for a moment: a restart, a failover, a full
 * pool. Such a request failed through no fault of its own and may simply be retried, so it is
 * answered 503 with Retry-After rather than 500. Recognised by the pg driver's and the OS's
 * error codes (connection refused/reset, PostgreSQL's admin shutdown 57P01, "starting up"
 * 57P03, connection exceptions 08xxx, too many connections 53300) and by the messages pg uses
 * for a dropped connection or a pool that could not connect in time.
 */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "53300",
]);
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/i,
  /^Client was closed and is not queryable/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
];

/** Seconds a client is asked to wait before retrying a request refused with 503. */
export const RETRY_AFTER_SECONDS = 10;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 4) return false;
  if ("code" in error && typeof error.code === "string" && UNAVAILABLE_CODES.has(error.code)) return true;
  if (error instanceof Error && UNAVAILABLE_MESSAGES.some((re) => re.test(error.message))) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return "cause" in error && isDatabaseUnavailable(error.cause, depth + 1);
}

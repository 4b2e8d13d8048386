/** Errors the services raise on purpose; routes map the code to a status and a translated message. */
export type AppErrorCode =
  | "not_found"
  | "forbidden"
  | "unauthenticated"
  | "bad_request"
  | "conflict"
  | "closed"
  | "rate_limited"
  | "too_large";

const STATUS: Record<AppErrorCode, number> = {
  not_found: 404,
  forbidden: 403,
  unauthenticated: 401,
  bad_request: 400,
  conflict: 409,
  closed: 409,
  rate_limited: 429,
  too_large: 413,
};

export class AppError extends Error {
  constructor(
    public readonly code: AppErrorCode,
    message?: string,
  ) {
    super(message ?? code);
  }
  get status() {
    return STATUS[this.code];
  }
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

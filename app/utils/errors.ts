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

import type { Appeal, AppealStatus } from "../../db/schema";

/** A closing date in the past closes the appeal even before the scheduler has run. */
export function effectiveStatus(appeal: Pick<Appeal, "status" | "closes_at">): AppealStatus {
  if (appeal.status === "published" && appeal.closes_at && new Date(appeal.closes_at).getTime() <= Date.now()) return "closed";
  return appeal.status;
}

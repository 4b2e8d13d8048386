import { getReadDb } from "../../db/client";
import { listPublicAppeals } from "../../db/queries/public-appeals";

/** The home page's list, from the replica when READ_DATABASE_URL is set (counts are seconds behind anyway). */
export function homeAppeals(lang: string) {
  return listPublicAppeals(getReadDb(), lang);
}

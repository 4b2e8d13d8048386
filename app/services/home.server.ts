import { getDb } from "../../db/client";
import { listPublicAppeals } from "../../db/queries/public-appeals";

export function homeAppeals(lang: string) {
  return listPublicAppeals(getDb(), lang);
}

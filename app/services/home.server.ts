import { getReadDb } from "../../db/client";
import { listPublicAppeals } from "../../db/queries/public-appeals";

/**
 * The home page's two lists: appeals open for signatures, and those delivered or closed, each
 * newest first and each with its own limit (many finished appeals never push an open one off).
 * From the replica when READ_DATABASE_URL is set (counts are seconds behind anyway).
 */
export async function homeAppeals(lang: string, limit = 50) {
  const db = getReadDb();
  const [open, finished] = await Promise.all([listPublicAppeals(db, lang, limit, ["published"]), listPublicAppeals(db, lang, limit, ["delivered", "closed"])]);
  return { open, finished };
}

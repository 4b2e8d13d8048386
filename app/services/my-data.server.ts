import { getDb } from "../../db/client";
import { enqueueMail } from "../../db/queries/outbox";
import { myDataEmail } from "../../emails/my-data";
import { neutralSender } from "../../emails/neutral";
import type { UiLang } from "../i18n";
import { env } from "../utils/env.server";
import { mayMailAddress } from "./abuse.server";
import { emailLookup, emailLookups, open } from "./data-key.server";

/**
 * A signer's request for everything held about them: the answer goes by e-mail to that
 * address only (so only its owner reads it), and the page says the same thing whatever the
 * address. Limited per address like every other e-mail a stranger can trigger.
 */
export async function requestMyData(address: string, lang: UiLang): Promise<void> {
  if (!(await mayMailAddress(`data|${emailLookup(address)}`))) return;
  const db = getDb();
  const rows = await db
    .selectFrom("signatures as s")
    .innerJoin("appeals as a", "a.id", "s.appeal_id")
    .innerJoin("appeal_revisions as r", (j) => j.onRef("r.appeal_id", "=", "a.id").onRef("r.number", "=", "a.current_revision"))
    .select([
      "a.slug",
      "a.original_language",
      "r.content",
      "s.name",
      "s.city",
      "s.country",
      "s.organization",
      "s.position",
      "s.disclosure",
      "s.keep_informed",
      "s.status",
      "s.created_at",
      "s.confirmed_at",
      "s.lang",
      "a.minimal_data",
    ])
    // By the address's keyed hash (under every key during a rotation), never the address.
    .where("s.email_key", "in", emailLookups(address))
    .orderBy("s.created_at")
    .execute();
  if (!rows.length) return;
  const base = env().APP_URL;
  // One minimal-data appeal among them: the neutral subject and sender (emails/neutral.ts).
  const neutral = rows.some((r) => r.minimal_data);
  const content = myDataEmail(
    lang,
    address,
    rows.map((r) => ({
      appeal: r.content.versions[r.lang]?.title ?? r.content.versions[r.original_language]?.title ?? r.slug,
      url: `${base}/appeals/${r.slug}`,
      name: open(r.name, "name"),
      city: r.city,
      country: r.country,
      organization: r.organization,
      position: r.position,
      disclosure: r.disclosure,
      keepInformed: r.keep_informed,
      status: r.status,
      signedAt: r.created_at,
      confirmedAt: r.confirmed_at,
    })),
    { neutral },
  );
  await enqueueMail(db, { kind: "my_data", to: address, ...content, headers: neutral ? neutralSender(lang) : undefined });
}

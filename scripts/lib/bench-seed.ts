import { sql } from "kysely";
import { getDb } from "../../db/client.js";

/** Adds confirmed signatures numbered from..to-1 (varied, unique names; one in ten signed revision 1). */
export async function addSignatures(appealId: number, from: number, to: number) {
  await sql`
    INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, organization, position, disclosure, confirmed_at)
    SELECT ${appealId}, 1, (ARRAY['ru','en','kk'])[1 + i % 3], 'confirmed',
      (ARRAY['Айгерім','Ғалым','Һибатулла','Екатерина','Олександр','Бактыгүл','Qanat','Zofia','Çağrı','Jürgen',
             'François','Ōzbek','Νίκος','Łucja','Søren','Өмірзақ','Ұлжан','Małgorzata','Δημήτρης','Иван'])[1 + i % 20]
      || ' ' ||
      (ARRAY['Сейітқалиева','Өтегенұлы','Ұзақбаев','Вьюгина','Ґудзь','Жээнбекова','Jūsіpbek','Łukasiewicz-Żółć',
             'Şıkoğlu','Weiß','Lœuvre','Gʻulomov','Παπαδόπουλος','Wiśniewska','Kierkegaard','Құрманғазы','Nowak',
             'Brzęczyszczykiewicz','Δημητρίου','Иванов'])[1 + (i / 20) % 20]
      || ' ' || to_char(i, 'FM0000000'),
      (ARRAY['Қарағанды','Алматы','Санкт-Петербург','Київ','Бишкек','Łódź','İzmir','Nürnberg','Besançon','Θεσσαλονίκη',NULL])[1 + i % 11],
      (ARRAY['KZ','KZ','RU','UA','KG','PL','TR','DE','FR','GR',NULL])[1 + i % 11],
      CASE WHEN i % 3 = 0 THEN 'Организация № ' || (i % 997) END,
      CASE WHEN i % 5 = 0 THEN 'координатор' END,
      (ARRAY['public','initials','private'])[1 + i % 3],
      timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second'
    FROM generate_series(${from}::int, ${to - 1}::int) AS i`.execute(getDb());
  await sql`ANALYZE signatures`.execute(getDb());
}

const CYRILLIC_FIRST = ["Айгерім", "Ғалым", "Һибатулла", "Екатерина", "Олександр", "Бактыгүл", "Иван", "Өмірзақ", "Ұлжан", "Мария"];
const CYRILLIC_LAST = ["Сейітқалиева", "Өтегенұлы", "Ұзақбаев", "Вьюгина", "Ґудзь", "Жээнбекова", "Иванов", "Құрманғазы", "Петрова", "Смирнов"];
const CYRILLIC_CITIES = ["Қарағанды", "Алматы", "Санкт-Петербург", "Київ", "Бишкек"];

/**
 * Renaming confirmed rows changes their ledger leaves: the letter would refuse them as tampered
 * (rightly). A benchmark's renaming starts the appeal's ledger over instead: its letters and leaves
 * dropped, and the rows renamed with no leaf, which the database's trigger then assigns afresh.
 */
async function restartLedger(appealId: number) {
  // The letters made so far hold the old tree (a new letter must extend them): gone with it.
  await sql`DELETE FROM letters WHERE appeal_id = ${appealId}`.execute(getDb());
  await sql`DELETE FROM ledger_leaves WHERE appeal_id = ${appealId}`.execute(getDb());
  await sql`UPDATE appeals SET ledger_size = 0 WHERE id = ${appealId}`.execute(getDb());
}

/** issue 15's baseline: every signatory of the appeal renamed into Cyrillic (names and cities; the number kept unique). */
export async function makeAllCyrillic(appealId: number) {
  await restartLedger(appealId);
  await sql`
    UPDATE signatures SET ledger_index = NULL, ledger_salt = NULL,
      name = (${CYRILLIC_FIRST}::text[])[1 + id % 10] || ' ' || (${CYRILLIC_LAST}::text[])[1 + (id / 10) % 10] || ' ' || to_char(id, 'FM0000000'),
      city = (${CYRILLIC_CITIES}::text[])[1 + id % 5],
      organization = CASE WHEN organization IS NULL THEN NULL ELSE 'Организация № ' || (id % 997) END
    WHERE appeal_id = ${appealId}`.execute(getDb());
}

/**
 * issue 15's mix: one signatory in ten renamed into another script (Arabic, Persian, Uyghur,
 * Hebrew, Chinese, Japanese, Korean, Devanagari, Thai: tests/fixtures/world-names.ts), with
 * their cities and, where the fixture has one, organization.
 */
export async function mixWorldNames(appealId: number, world: readonly { name: string; city: string; organization?: string }[]) {
  await restartLedger(appealId);
  const pick = (values: string[]) => sql`(${values}::text[])[1 + (id / 10) % ${world.length}]`;
  await sql`
    UPDATE signatures SET ledger_index = NULL, ledger_salt = NULL,
      name = CASE WHEN id % 10 = 0 THEN ${pick(world.map((w) => w.name))} || ' ' || to_char(id, 'FM0000000') ELSE name END,
      city = CASE WHEN id % 10 = 0 THEN ${pick(world.map((w) => w.city))} ELSE city END,
      organization = CASE WHEN id % 10 = 0 AND organization IS NOT NULL THEN ${pick(world.map((w) => w.organization ?? ""))} ELSE organization END
    WHERE appeal_id = ${appealId}`.execute(getDb());
  await sql`ANALYZE signatures`.execute(getDb());
}

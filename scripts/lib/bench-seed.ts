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

import { getDb } from "../../db/client";
import { findAppealBySlug, insertAddressee, upsertVersion } from "../../db/queries/appeals";
import { setMembership, upsertUser, createOrganization } from "../../db/queries/organizations";
import { publish } from "./appeals.server";

export const DEMO_SLUG = "demo-appeal";
export const DEMO_ORGANIZER = "organizer@example.org";

const ru = {
  title: "Остановить преследование независимых журналистов",
  summary: "Коалиция правозащитных организаций просит Европейский парламент добиться освобождения журналистов, задержанных за свою работу.",
  body: `Уважаемая госпожа Председатель!

Мы, представители правозащитных организаций и граждане разных стран, обращаемся к вам в связи с **преследованием независимых журналистов** в нашем регионе.

## Что происходит

За последний год десятки журналистов были задержаны, оштрафованы или вынуждены покинуть свои страны только за то, что они выполняли свою работу.

## Мы просим

1. Публично потребовать освобождения журналистов, задержанных за профессиональную деятельность.
2. Включить вопрос свободы прессы в повестку ближайших переговоров.
3. Поддержать программы защиты для журналистов в изгнании.

Свобода слова — _общее дело_ всех, кто живёт в демократическом обществе.

С уважением,
подписавшие`,
};

const en = {
  title: "Stop the persecution of independent journalists",
  summary: "A coalition of human-rights organizations asks the European Parliament to secure the release of journalists detained for their work.",
  body: `Dear Madam President,

We, representatives of human-rights organizations and citizens of many countries, write to you about the **persecution of independent journalists** in our region.

## What is happening

Over the past year, dozens of journalists have been detained, fined or forced to leave their countries for doing their job.

## We ask you

1. To publicly call for the release of journalists detained for their professional work.
2. To put press freedom on the agenda of the coming negotiations.
3. To support protection programmes for journalists in exile.

Freedom of expression is the _common cause_ of everyone who lives in a democratic society.

Respectfully,
the signatories`,
};

const kk = {
  title: "Тәуелсіз журналистерді қудалауды тоқтатыңыз",
  summary: "Құқық қорғау ұйымдарының коалициясы Еуропалық парламенттен жұмысы үшін ұсталған журналистерді босатуға ықпал етуді сұрайды.",
  body: `Құрметті Төраға ханым!

Біз, құқық қорғау ұйымдарының өкілдері және әр елдің азаматтары, өңіріміздегі **тәуелсіз журналистерді қудалауға** байланысты сізге жүгінеміз.

## Не болып жатыр

Өткен жылы ондаған журналист тек өз жұмысын атқарғаны үшін ұсталды, айыппұл төледі немесе елінен кетуге мәжбүр болды.

## Біз сұраймыз

1. Кәсіби қызметі үшін ұсталған журналистерді босатуды ашық талап етуді.
2. Баспасөз бостандығы мәселесін алдағы келіссөздердің күн тәртібіне енгізуді.
3. Қуғындағы журналистерді қорғау бағдарламаларын қолдауды.

Сөз бостандығы — демократиялық қоғамда өмір сүретін барлық адамның _ортақ ісі_.

Құрметпен,
қол қойғандар`,
};

/** Creates the demo organization, organizer and published appeal; does nothing if it exists. */
export async function seedDemo(): Promise<boolean> {
  const db = getDb();
  if (await findAppealBySlug(db, DEMO_SLUG)) return false;
  const { appealId, userId } = await db.transaction().execute(async (trx) => {
    const organizationId = await createOrganization(trx, "Coalition for Civic Freedoms (demo)");
    // Replies to its delivery e-mails go to the demo organizer.
    await trx.updateTable("organizations").set({ contact_email: DEMO_ORGANIZER }).where("id", "=", organizationId).execute();
    const userId = await upsertUser(trx, DEMO_ORGANIZER);
    await setMembership(trx, organizationId, userId, "owner");
    const row = await trx
      .insertInto("appeals")
      .values({
        organization_id: organizationId,
        slug: DEMO_SLUG,
        original_language: "ru",
        goal: 1000,
        created_by: userId,
        field_city: "required",
        field_country: "optional",
        field_organization: "optional",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await upsertVersion(trx, row.id, "ru", ru);
    await upsertVersion(trx, row.id, "en", en);
    await upsertVersion(trx, row.id, "kk", kk);
    await insertAddressee(
      trx,
      row.id,
      null,
      {
        ru: { name: "Роберта Метсола", position: "Председателю Европейского парламента", institution: "Европейский парламент" },
        en: { name: "Roberta Metsola", position: "President of the European Parliament", institution: "European Parliament" },
        kk: { name: "Роберта Метсола", position: "Еуропалық парламенттің Төрағасына", institution: "Еуропалық парламент" },
      },
      "en",
    );
    await insertAddressee(
      trx,
      row.id,
      null,
      {
        ru: { name: "Фолькер Тюрк", position: "Верховному комиссару ООН по правам человека", institution: "Управление ООН по правам человека" },
        en: { name: "Volker Türk", position: "UN High Commissioner for Human Rights", institution: "Office of the UN High Commissioner for Human Rights" },
        kk: { name: "Фолькер Тюрк", position: "БҰҰ-ның Адам құқықтары жөніндегі Жоғарғы комиссарына", institution: "БҰҰ Адам құқықтары жөніндегі басқармасы" },
      },
      "en",
    );
    return { appealId: row.id, userId };
  });
  await publish(appealId, userId);
  return true;
}

export async function databaseIsEmpty(): Promise<boolean> {
  const row = await getDb().selectFrom("appeals").select("id").limit(1).executeTakeFirst();
  return !row;
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { addAddressee, createAppeal, publish, saveVersion } from "../../app/services/appeals.server";
import { DEMO_ORGANIZER, DEMO_SLUG, seedDemo } from "../../app/services/demo-data.server";
import { getDb } from "../../db/client";
import { findUserByEmail } from "../../db/queries/organizations";
import { newOrganization, sessionCookie } from "../fixtures/organizers";
import { startHarness, unique, type Harness } from "./support/harness";

/**
 * Russian and Kazakh pages once carried NUL bytes at 2,048-byte boundaries of the streamed HTML
 * (React 18.3's renderer; patches/react-dom+18.3.1.patch). In a textarea a browser turns a NUL
 * into U+FFFD, and an organizer's save stored it. Here the built app renders the demo appeal
 * (`npm run db:seed`) and an appeal with a long Kazakh text — the editor (textareas), the preview
 * and the public pages, in kk and ru — and the raw response bytes must hold no NUL and no U+FFFD
 * (none is in the data). Unpatched, the demo's Kazakh editor page had a NUL at byte 4,095.
 */
const KK_PARAGRAPHS = [
  "Құрметті Еуропалық Парламенттің Төрағасы!",
  "Біз, төменде қол қойған Қазақстанның, Қырғызстанның және Өзбекстанның азаматтық қоғам ұйымдары, сізге ауаның ластануы туралы жазып отырмыз. Қарағанды, Өскемен, Теміртау және Екібастұз қалаларында қыстың әр күні түтін мен күл балалардың денсаулығына зиян келтіреді.",
  "Өткен жылы ғана аурухана жазбалары бойынша тыныс алу жолдарының ауруларымен жүгінген балалар саны бір жарым есеге өсті. Көмір жағатын жылу электр орталықтары сүзгілерді ауыстырмайды, ал мониторинг деректері жарияланбайды.",
  "Сондықтан біз сізден мыналарды сұраймыз: әріптестік және ынтымақтастық туралы келісім аясында ашық мониторинг деректерін талап ету; жылу орталықтарын жаңғыртуға бөлінетін қаржының жұмсалуын тексеру; жергілікті тұрғындармен қоғамдық тыңдаулар өткізу.",
  "Ұйымдарымыз өз деректерін, өлшеу нәтижелерін және дәрігерлердің түсіндірмелерін осы хатқа қоса береді. Біз кездесуге және сұрақтарыңызға жауап беруге әрқашан дайынбыз.",
  "Құрметпен, «Таза ауа» коалициясы және оны қолдаған азаматтар.",
];
const KK_BODY = Array.from({ length: 4 }, () => KK_PARAGRAPHS.join("\n\n")).join("\n\n");
const RU = {
  title: "Открытое письмо о чистом воздухе в Караганде и Усть-Каменогорске",
  summary: "Мы просим Европейский парламент потребовать открытых данных мониторинга воздуха.",
  body: "Уважаемая госпожа Председатель!\n\nМы, нижеподписавшиеся организации гражданского общества, пишем вам о загрязнении воздуха.\n\n".repeat(12),
};

describe("no NUL byte in streamed pages", () => {
  let h: Harness;
  let appealId = 0;
  let slug = "";
  let cookie = "";
  let ownerId = 0;

  beforeAll(async () => {
    h = await startHarness();
    const owner = await newOrganization("Таза ауа коалициясы");
    ownerId = owner.userId;
    cookie = await sessionCookie(owner.userId);
    slug = unique("taza-aua");
    const title = "Қарағанды мен Өскеменнің таза ауасы туралы ашық хат";
    appealId = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "kk", title });
    await saveVersion(appealId, owner.userId, "kk", { title, summary: KK_PARAGRAPHS[1] ?? "", body: KK_BODY });
    await saveVersion(appealId, owner.userId, "ru", RU);
    await addAddressee(appealId, owner.userId, null, {
      kk: { name: "Еуропалық Парламент Төрағасы", position: "Төраға", institution: "Еуропалық Парламент" },
      ru: { name: "Председатель Европейского парламента", position: "Председатель", institution: "Европейский парламент" },
    });
    expect(KK_BODY.length).toBeGreaterThan(3_000);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const check = async (path: string, ui: string, session = cookie) => {
    const res = await fetch(`${h.url}${path}`, { headers: { Cookie: `lang=${ui}; ${session}` } });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status, path).toBe(200);
    expect(body.indexOf(0), `${path} (${ui}) holds a NUL byte at ${body.indexOf(0)}`).toBe(-1);
    expect(body.indexOf(Buffer.from("\uFFFD")), `${path} (${ui}) holds U+FFFD`).toBe(-1);
    return body.toString("utf8");
  };

  it("the demo appeal's pages, public and dashboard, in kk and ru", async () => {
    await seedDemo();
    const demo = await getDb().selectFrom("appeals").select("id").where("slug", "=", DEMO_SLUG).executeTakeFirstOrThrow();
    const organizer = (await findUserByEmail(getDb(), DEMO_ORGANIZER))!;
    const demoCookie = await sessionCookie(organizer.id);
    const base = `/dashboard/appeals/${demo.id}`;
    for (const ui of ["kk", "ru"]) {
      for (const path of ["/", `/appeals/${DEMO_SLUG}`, `${base}/text/kk`, `${base}/text/ru`, `${base}/preview`, "/privacy", "/my-data"]) {
        await check(path, ui, demoCookie);
      }
    }
  });

  it("the text editor in kk and ru: the Kazakh and Russian texts come back intact", async () => {
    for (const ui of ["kk", "ru"]) {
      const kk = await check(`/dashboard/appeals/${appealId}/text/kk`, ui);
      expect(kk).toContain(KK_PARAGRAPHS[3]);
      const ru = await check(`/dashboard/appeals/${appealId}/text/ru`, ui);
      expect(ru).toContain(RU.title);
    }
  });

  it("the published appeal page in kk and ru", async () => {
    await publish(appealId, ownerId, {});
    for (const ui of ["kk", "ru"]) {
      const page = await check(`/appeals/${slug}?lang=${ui}`, ui);
      expect(page).toContain(ui === "kk" ? KK_PARAGRAPHS[2] : "нижеподписавшиеся");
    }
  });
});

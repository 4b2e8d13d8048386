import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { addAddressee, createAppeal, publish, saveVersion } from "../../app/services/appeals.server";
import { newOrganization, sessionCookie } from "../fixtures/organizers";
import { startHarness, unique, type Harness } from "./support/harness";
import { requireJava, validate } from "./support/vnu";

/**
 * The organizer of an appeal whose stored text holds U+FFFD (left by the NUL bytes React once
 * streamed into ru/kk editor pages) sees, on every tab of the appeal, which language and field
 * hold it and that a correction must be published — in their language. A clean appeal shows nothing.
 */
describe("dashboard notice for lost characters", () => {
  let h: Harness;
  let cookie = "";
  let broken = 0;
  let clean = 0;

  beforeAll(async () => {
    h = await startHarness();
    const owner = await newOrganization("Таза ауа");
    cookie = await sessionCookie(owner.userId);
    const make = async (body: string) => {
      const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug: unique("fffd"), originalLanguage: "kk", title: "Ашық хат" });
      await saveVersion(id, owner.userId, "kk", { title: "Ашық хат", summary: "", body });
      await addAddressee(id, owner.userId, null, { kk: { name: "Төраға", position: "Төраға", institution: "Парламент" } });
      await publish(id, owner.userId, {});
      return id;
    };
    broken = await make("Құрметті Төраға ханым! Біз сізге \uFFFDжазып отырмыз.");
    clean = await make("Құрметті Төраға ханым! Біз сізге жазып отырмыз.");
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const page = async (path: string, lang: string) => {
    const res = await fetch(`${h.url}${path}`, { headers: { Cookie: `lang=${lang}; ${cookie}` } });
    expect(res.status, path).toBe(200);
    return res.text();
  };

  it("names the language, the field and the revision, and asks for a correction, in en, ru and kk", async () => {
    const expected = {
      en: [
        "Characters lost in this appeal",
        "Kazakh, text: published revision 1",
        "Kazakh, text: the text being edited",
        "publish the correction as a new revision",
      ],
      ru: ["В тексте обращения потеряны символы", "казахский, текст: опубликованная редакция 1", "опубликуйте исправление как новую редакцию"],
      kk: ["Үндеу мәтінінде таңбалар жоғалған", "қазақ тілі, мәтін: жарияланған 1-редакция", "жаңа редакция ретінде жариялаңыз"],
    };
    requireJava();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-fffd-"));
    try {
      const files: string[] = [];
      for (const [lang, phrases] of Object.entries(expected)) {
        for (const tab of ["", "/text/kk", "/signatures"]) {
          const html = await page(`/dashboard/appeals/${broken}${tab}`, lang);
          for (const phrase of phrases) expect(html.toLowerCase(), `${lang} ${tab}`).toContain(phrase.toLowerCase());
          files.push(path.join(dir, `${files.length}.html`));
          await fs.writeFile(files[files.length - 1] ?? "", html);
        }
      }
      // The notice is valid HTML too (the HTML check's data holds no U+FFFD, so it never shows there).
      expect(await validate(files)).toEqual([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("a clean appeal shows no notice", async () => {
    const html = await page(`/dashboard/appeals/${clean}`, "en");
    expect(html).not.toContain("Characters lost");
  });
});

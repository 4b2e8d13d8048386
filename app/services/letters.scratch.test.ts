import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { parseEnv, setEnv } from "../utils/env.server";
import { seedDemo } from "./demo-data.server";
import { generateNow, requestLetters } from "./letters.server";
import { pathOf } from "./storage.server";

it("scratch", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scratch-"));
  setEnv(parseEnv({ ...process.env, DATA_DIR: dir }));
  await seedDemo();
  const appeal = await getDb().selectFrom("appeals").selectAll().executeTakeFirstOrThrow();
  const names = JSON.parse(fs.readFileSync("tests/fixtures/names.json", "utf8")).names;
  await getDb().insertInto("signatures").values(names.map((n: any, i: number) => ({ appeal_id: appeal.id, revision: 1, lang: "ru", status: "confirmed", name: n.name, city: n.city, country: n.country, organization: i === 0 ? "Фонд «Наследие»" : null, position: i === 0 ? "директор" : null, disclosure: "public", email: `s${i}@x.example`, confirmed_at: new Date(Date.UTC(2025, 1, 1 + i, 12)) }))).execute();
  for (const lang of ["ru", "en", "kk"]) {
    const [id] = await requestLetters(appeal.id, null, { lang });
    const r = await generateNow(id!);
    fs.copyFileSync(pathOf(r.storageKey), `/tmp/scratch/${lang}.pdf`);
    console.log(lang, r);
  }
}, 60000);

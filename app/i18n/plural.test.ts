import { describe, expect, it } from "vitest";
import { PLURAL_CATEGORIES, pluralize, type PluralLang } from "./plural";

describe("plural categories", () => {
  it("name exactly the categories Intl.PluralRules selects in each language", () => {
    for (const lang of Object.keys(PLURAL_CATEGORIES) as PluralLang[]) {
      expect([...PLURAL_CATEGORIES[lang]].sort(), lang).toEqual([...new Intl.PluralRules(lang).resolvedOptions().pluralCategories].sort());
    }
  });

  it("pick the form the grammar needs", () => {
    const ru = { one: "подпись", few: "подписи", many: "подписей", other: "подписи" };
    expect([1, 2, 5, 11, 21, 22, 25, 1.5].map((n) => `${n} ${pluralize("ru", n, ru)}`)).toEqual([
      "1 подпись",
      "2 подписи",
      "5 подписей",
      "11 подписей",
      "21 подпись",
      "22 подписи",
      "25 подписей",
      "1.5 подписи",
    ]);
    expect(pluralize("en", 1, { one: "name", other: "names" })).toBe("name");
    expect(pluralize("en", 0, { one: "name", other: "names" })).toBe("names");
    // @ts-expect-error Russian needs its "few" and "many" forms: a table without them does not compile.
    expect(pluralize("ru", 5, { one: "имя", other: "имени" })).toBeUndefined();
  });
});

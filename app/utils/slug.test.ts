import { describe, expect, it } from "vitest";
import { slug as slugSchema } from "~/schemas/appeal";
import { isSlug, slugify } from "./slug";

describe("slugify", () => {
  it("transliterates Russian titles", () => {
    expect(slugify("Чистый воздух для Алматы")).toBe("chistyi-vozdukh-dlya-almaty");
    expect(slugify("Щедрость, объём и «ёлки» — 2026!")).toBe("shchedrost-obem-i-elki-2026");
    expect(slugify("Жители Шымкента против вырубки")).toBe("zhiteli-shymkenta-protiv-vyrubki");
  });

  it("transliterates Kazakh titles, with every Kazakh letter", () => {
    expect(slugify("Таза ауа үшін")).toBe("taza-aua-ushin");
    expect(slugify("Қалалық саябақты сақтаңыз")).toBe("qalalyq-sayabaqty-saqtanyz");
    expect(slugify("Ә Ғ Қ Ң Ө Ұ Ү Һ І")).toBe("a-g-q-n-o-u-u-h-i");
    expect(slugify("Өскемен өзенін қорғау")).toBe("oskemen-ozenin-qorgau");
  });

  it("keeps Latin titles, without accents or punctuation", () => {
    expect(slugify("  Clean air for Zürich & Besançon  ")).toBe("clean-air-for-zurich-besancon");
    expect(slugify("Straße")).toBe("strasse");
  });

  it("gives nothing for a title without a letter it can write", () => {
    expect(slugify("清洁空气")).toBe("");
    expect(slugify("— !!! —")).toBe("");
  });

  it("stays within 80 characters, cut at a word's end", () => {
    const long = slugify("Обращение ".repeat(20));
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith("-")).toBe(false);
    expect(long).toMatch(/^(obrashchenie-)*obrashchenie$/);
  });

  it("proposes what the slug field accepts", () => {
    for (const title of ["Чистый воздух для Алматы", "Қалалық саябақты сақтаңыз", "Обращение ".repeat(20), "A b"]) {
      const proposed = slugify(title);
      expect(isSlug(proposed), proposed).toBe(true);
      expect(slugSchema.safeParse(proposed).success).toBe(true);
    }
  });
});

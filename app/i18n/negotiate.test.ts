import { describe, expect, it } from "vitest";
import { negotiateLanguage, fromAcceptLanguage } from "./negotiate";
import { translator } from "./index";

const url = (q = "") => new URL(`http://x/${q}`);

describe("language negotiation", () => {
  it("prefers ?lang=, then the cookie, then Accept-Language, then English", () => {
    expect(negotiateLanguage(url("?lang=kk"), "lang=ru", "en").lang).toBe("kk");
    expect(negotiateLanguage(url(), "lang=ru", "kk").lang).toBe("ru");
    expect(negotiateLanguage(url(), null, "de-DE,kk;q=0.8,ru;q=0.9").lang).toBe("ru");
    expect(negotiateLanguage(url(), null, null).lang).toBe("en");
  });

  it("remembers a UI language chosen with ?lang=", () => {
    expect(negotiateLanguage(url("?lang=RU"), null, null)).toMatchObject({ lang: "ru", remember: "ru" });
  });

  it("accepts a content language the interface lacks, keeping the UI language", () => {
    expect(negotiateLanguage(url("?lang=de"), "lang=kk", null)).toEqual({ lang: "kk", requested: "de" });
  });

  it("flags an unsupported code and ignores a broken cookie", () => {
    expect(negotiateLanguage(url("?lang=xx"), "lang=%%%; other=1", "kk")).toEqual({ lang: "kk", badLang: "xx" });
    expect(fromAcceptLanguage("*;q=abc, ,;;")).toBeUndefined();
  });
});

describe("translator", () => {
  it("uses each language's plural rules", () => {
    expect(translator("ru").plural("home.signatures", 1)).toBe("1 подпись");
    expect(translator("ru").plural("home.signatures", 3)).toBe("3 подписи");
    expect(translator("ru").plural("home.signatures", 25)).toBe("25 подписей");
    expect(translator("en").plural("home.signatures", 1)).toBe("1 signature");
    expect(translator("kk").plural("home.signatures", 1234)).toBe("1\u00a0234 қолтаңба");
  });
});

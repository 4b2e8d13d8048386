import { describe, expect, it } from "vitest";
import data from "../data/email-providers";
import { applyRule, emailKey, type ProviderRule } from "./email-key";

describe("one signature per address", () => {
  it("ignores case, spaces, and what providers ignore", () => {
    expect(emailKey("  Jane.Doe+appeal@GMail.com ")).toBe("janedoe@gmail.com");
    expect(emailKey("jane.doe@googlemail.com")).toBe("janedoe@gmail.com");
    expect(emailKey("ivan+x@yandex.kz")).toBe("ivan@yandex.ru");
    expect(emailKey("first.last@outlook.com")).toBe("first.last@outlook.com");
  });

  it("keeps dots and plus-tags where the provider does not ignore them", () => {
    expect(emailKey("a.b+c@example.org")).toBe("a.b+c@example.org");
    expect(emailKey("a.b+c@mail.ru")).toBe("a.b+c@mail.ru");
  });
});

describe("provider rules (app/data/email-providers.ts)", () => {
  it("Yandex: '.' and '-' are one, +tags ignored, its national domains and ya.ru / narod.ru are one mailbox", () => {
    const same = [
      "ivan.petrov@yandex.ru",
      "ivan-petrov@yandex.ru",
      "Ivan-Petrov+appeal@Yandex.KZ",
      "ivan.petrov@yandex.com",
      "ivan-petrov@yandex.by",
      "ivan.petrov+x@yandex.ua",
      "ivan-petrov@ya.ru",
      "ivan.petrov@narod.ru",
    ];
    for (const address of same) expect(emailKey(address), address).toBe("ivan.petrov@yandex.ru");
    // A dot is not dropped: ivanpetrov is another login.
    expect(emailKey("ivanpetrov@yandex.ru")).toBe("ivanpetrov@yandex.ru");
  });

  it("Outlook / Hotmail / Live: +tags ignored on the national domains too, which stay separate mailboxes", () => {
    for (const domain of ["outlook.com", "outlook.de", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "live.com", "live.ru", "msn.com"]) {
      expect(emailKey(`First.Last+appeal@${domain.toUpperCase()}`), domain).toBe(`first.last@${domain}`);
    }
    expect(emailKey("a+b@hotmail.fr")).not.toBe(emailKey("a+b@hotmail.com"));
  });

  it("Proton: +tags, '.', '-' and '_' ignored; proton.me, protonmail.com, protonmail.ch and pm.me are one account", () => {
    for (const address of ["jane.doe@proton.me", "jane-doe+x@protonmail.com", "Jane_Doe@ProtonMail.ch", "j.a.n.e.d.o.e@pm.me", "janedoe@proton.me"]) {
      expect(emailKey(address), address).toBe("janedoe@proton.me");
    }
  });

  it("Gmail: dots and +tags ignored, googlemail.com is gmail.com; a '-' is kept", () => {
    expect(emailKey("j.a.n.e+x@googlemail.com")).toBe("jane@gmail.com");
    expect(emailKey("jane-doe@gmail.com")).toBe("jane-doe@gmail.com");
  });

  it("Apple: +tags ignored, me.com and mac.com are icloud.com; dots kept", () => {
    expect(emailKey("jane.doe+x@me.com")).toBe("jane.doe@icloud.com");
    expect(emailKey("jane.doe@mac.com")).toBe("jane.doe@icloud.com");
  });

  it("changes an unknown domain only by trimming and lowercasing", () => {
    for (const address of [
      "Ivan.Petrov-Sidorov_1+tag@Example.KZ",
      "a.b-c_d+e@university.edu",
      "x+y@yandex.example",
      "x.y@sub.yandex.ru",
      "a.b+c@mail.ru",
      "a.b+c@yahoo.com",
    ]) {
      expect(emailKey(` ${address} `), address).toBe(address.toLowerCase());
    }
  });

  it("every rule in the table is well-formed (known fields only, canonical domains have rules of their own)", () => {
    for (const [domain, rule] of Object.entries(data.providers)) {
      expect(
        Object.keys(rule).every((k) => ["plus", "ignore", "same", "canonical"].includes(k)),
        domain,
      ).toBe(true);
      const canonical = (rule as ProviderRule).canonical;
      if (canonical) expect(data.providers, domain).toHaveProperty([canonical]);
    }
  });

  it("applyRule follows the data, for any characters", () => {
    expect(applyRule("a.b-c_d+e", { plus: true, ignore: "_", same: "-." })).toBe("a-b-cd");
    expect(applyRule("a]b^c\\d", { ignore: "]^\\" })).toBe("abcd");
  });
});

import { describe, expect, it } from "vitest";
import { deliveryEmail } from "../../emails/delivery";
import { confirmEmail } from "../../emails/signing";
import { translator } from "./index";

const delivery = (lang: string, count: number) =>
  deliveryEmail(lang, {
    addressee: "X",
    organization: "O",
    contact: "press@o.example",
    title: "T",
    count,
    code: "C",
    verifyUrl: "https://a.example/v",
    downloadUrl: null,
    documents: [],
    documentLinks: [],
  }).text;
const confirm = (lang: "en" | "ru" | "kk", days: number) =>
  confirmEmail(lang, { name: "N", title: "T", days, confirmUrl: "https://a.example/c", rejectUrl: "https://a.example/r", withdrawUrl: "https://a.example/w" })
    .text;

describe("counts in pages and e-mails", () => {
  it("agree with their number in English", () => {
    const { plural } = translator("en");
    expect(plural("letters.flagged", 1)).toMatch(/^1 name is .* it is printed/);
    expect(plural("letters.flagged", 2)).toMatch(/^2 names are /);
    expect(plural("delivery.sent", 1)).toBe("1 e-mail queued.");
    expect(plural("delivery.sent", 2)).toBe("2 e-mails queued.");
    expect(plural("verify.withdrawn", 1)).toContain("1 signatory has withdrawn their signature (name not shown)");
    expect(plural("revocations.text", 1)).toMatch(/^1 signatory withdrew/);
    expect(plural("updates.sent", 1)).toBe("Published; queued for 1 signer.");
    expect(plural("appeal.progress", 1, { count: "0", goal: "1" })).toBe("0 of 1 signature");
    expect(delivery("en", 1)).toContain("signed by 1 person.");
    expect(delivery("en", 1284)).toContain("signed by 1,284 people.");
    expect(confirm("en", 1)).toContain("works for 1 day.");
  });

  it("use the Russian one / few / many forms", () => {
    const { plural } = translator("ru");
    expect(plural("verify.withdrawn", 1)).toContain("1 подписавший отозвал подпись (имя не показывается)");
    expect(plural("verify.withdrawn", 21)).toContain("21 подписавший отозвал");
    expect(plural("verify.withdrawn", 3)).toContain("3 подписавших отозвали");
    expect(plural("letters.flagged", 1)).toMatch(/^1 имя написано /);
    expect(plural("letters.flagged", 2)).toMatch(/^2 имени написаны /);
    expect(plural("letters.flagged", 5)).toMatch(/^5 имён написаны /);
    expect(plural("delivery.sent", 1)).toBe("В очередь поставлено 1 письмо.");
    expect(plural("delivery.sent", 4)).toBe("В очередь поставлено 4 письма.");
    expect(plural("delivery.sent", 5)).toBe("В очередь поставлено 5 писем.");
    expect(plural("appeal.progress", 21, { count: "3", goal: "21" })).toBe("3 из 21 подписи");
    expect(plural("appeal.progress", 100, { count: "3", goal: "100" })).toBe("3 из 100 подписей");
    expect(delivery("ru", 1)).toContain("подписанное 1 человеком.");
    expect(delivery("ru", 12)).toContain("подписанное 12 людьми.");
    expect(confirm("ru", 2)).toContain("действует 2 дня.");
    expect(confirm("ru", 7)).toContain("действует 7 дней.");
  });

  it("in Kazakh, keep the noun as it is after a numeral", () => {
    const { plural } = translator("kk");
    expect(plural("verify.withdrawn", 1)).toContain("1 адам қолтаңбасын кері алды (есімі көрсетілмейді)");
    expect(plural("delivery.sent", 1)).toBe("1 хат кезекке қойылды.");
    expect(delivery("kk", 1)).toContain("1 адам қол қойған");
    expect(confirm("kk", 1)).toContain("Сілтеме 1 күн жарамды.");
  });
});

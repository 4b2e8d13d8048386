import { describe, expect, it } from "vitest";
import { myDataEmail, type HeldSignature } from "./my-data";

const row: HeldSignature = {
  appeal: "Free the journalists",
  url: "https://appeals.example.org/appeals/free-the-journalists",
  name: "Айгерім Сейітқалиева",
  city: "Қарағанды",
  country: "KZ",
  organization: null,
  position: null,
  disclosure: "public",
  keepInformed: true,
  status: "confirmed",
  signedAt: new Date("2026-12-01T09:30:00Z"),
  confirmedAt: new Date("2026-12-03T10:41:00Z"),
};

describe("my-data e-mail", () => {
  it("shows labels, dates and countries in the reader's language, never stored codes", () => {
    const cases = {
      en: ["Kazakhstan", "name and city", "confirmed", "December 1, 2026", "December 3, 2026", "E-mail address: someone@mail.example"],
      ru: ["Казахстан", "имя и город", "подтверждена", "1 декабря 2026 г.", "3 декабря 2026 г.", "Адрес электронной почты: someone@mail.example"],
      kk: ["Қазақстан", "аты-жөні және қаласы", "расталған", "2026 ж. 1 желтоқсан", "2026 ж. 3 желтоқсан", "Электрондық пошта мекенжайы: someone@mail.example"],
    } as const;
    for (const [lang, expected] of Object.entries(cases)) {
      const mail = myDataEmail(lang as keyof typeof cases, "someone@mail.example", [row]);
      for (const part of [mail.text, mail.html]) {
        for (const e of expected) expect(part, `${lang}: ${e}`).toContain(e);
        expect(part).not.toMatch(/\bKZ\b|\bpublic\b|2026-12-0\dT/);
      }
    }
  });
});

import { describe, expect, it } from "vitest";
import { alreadySignedEmail, confirmEmail } from "./signing";
import { renderStoredMail, storedMailText } from "./stored";

describe("stored mails (a template and its values, rendered where the mail is sent)", () => {
  const confirm = {
    name: "Айгерім",
    title: "Ашық хат",
    days: 7,
    confirmUrl: "https://a.example/s/confirm/X",
    rejectUrl: "https://a.example/s/reject/Y",
    withdrawUrl: "https://a.example/s/withdraw/Z",
    neutral: false,
  };

  it("renders exactly what rendering at once gives, in each language, neutral or not", () => {
    for (const lang of ["en", "ru", "kk"] as const)
      for (const neutral of [false, true]) {
        expect(renderStoredMail(storedMailText({ template: "signature_confirm", lang, values: { ...confirm, neutral } }))).toEqual(
          confirmEmail(lang, { ...confirm, neutral }),
        );
        const already = { title: "Ашық хат", withdrawUrl: "https://a.example/s/withdraw/Z", neutral };
        expect(renderStoredMail(storedMailText({ template: "signature_already", lang, values: already }))).toEqual(alreadySignedEmail(lang, already));
      }
  });

  it("throws on anything that is not a stored mail", () => {
    for (const bad of [
      "",
      "{}",
      "null",
      '{"template":"signature_confirm","lang":"de","values":{}}',
      JSON.stringify({ template: "signature_confirm", lang: "en", values: { ...confirm, days: 0 } }),
    ])
      expect(() => renderStoredMail(bad), bad).toThrow(/^the queued mail is not a known template$/);
    // Not even a piece of a broken value (JSON.parse would quote it) is in the message.
    expect(() => renderStoredMail('{"withdrawUrl":"https://a.example/s/withdraw/SECRET"')).toThrow(/^the queued mail is not a known template$/);
  });
});

import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { neutralSender, neutralSubject, SENDER_NAME_HEADER } from "./neutral";
import { confirmEmail } from "./signing";
import { composeMessage } from "./transport.server";

const mail = (headers: Record<string, string>) => ({
  to: "signer@example.org",
  subject: "s",
  html: "<p>h</p>",
  text: "t",
  headers,
  attachments: [],
});

describe("the minimal-data preset's neutral mails", () => {
  it("the outbox's sender-name header becomes the From display name (MAIL_FROM's address kept) and is never sent", async () => {
    for (const lang of ["en", "ru", "kk"] as const) {
      const { raw, from } = composeMessage(
        mail({ ...neutralSender(lang), "List-Unsubscribe": "<https://x/u>" }),
        "Zhanaozen Committee <no-reply@appeals.example>",
      );
      const parsed = await simpleParser(raw);
      expect(parsed.from?.value).toEqual([{ name: neutralSender(lang)[SENDER_NAME_HEADER], address: "no-reply@appeals.example" }]);
      expect(from).toBe("no-reply@appeals.example");
      expect(raw.toString()).not.toContain("Zhanaozen");
      expect(raw.toString().toLowerCase()).not.toContain(SENDER_NAME_HEADER.toLowerCase());
      expect(raw.toString()).toContain("List-Unsubscribe: <https://x/u>");
    }
    // Without it, MAIL_FROM as it is.
    const parsed = await simpleParser(composeMessage(mail({}), "Zhanaozen Committee <no-reply@appeals.example>").raw);
    expect(parsed.from?.value[0]?.name).toBe("Zhanaozen Committee");
  });

  it("a neutral template names no appeal in its subject or its HTML title, in en/ru/kk", () => {
    for (const lang of ["en", "ru", "kk"] as const) {
      const v = { name: "A", title: "Free the prisoners", days: 7, confirmUrl: "u1", rejectUrl: "u2", withdrawUrl: "u3" };
      const neutral = confirmEmail(lang, { ...v, neutral: true });
      expect(neutral.subject).toBe(neutralSubject(lang, "confirm"));
      expect(neutral.subject).not.toMatch(/[{}]/);
      expect(neutral.html).toContain(`<title>${neutral.subject}</title>`);
      expect(confirmEmail(lang, v).subject).toContain("Free the prisoners");
    }
  });
});

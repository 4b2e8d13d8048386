import { describe, expect, it } from "vitest";
import { composeMessage, type OutgoingMail } from "./transport.server";

const mail = (i: number, attachments: OutgoingMail["attachments"] = []): OutgoingMail => ({
  to: `signer${i}@example.org`,
  subject: `Confirm your signature ${i}`,
  html: `<p>Hello ${i}</p>`,
  text: `Hello ${i}`,
  headers: {},
  attachments,
});

const boundariesOf = (raw: string) => [...raw.matchAll(/boundary="([^"]+)"/g)].map((m) => m[1] ?? "");

/** Length of the common prefix of two strings. */
const shared = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
};

describe("MIME boundaries", () => {
  it("are random per message and per part: one message's boundaries tell nothing about the next one's", () => {
    const all: string[] = [];
    for (let i = 0; i < 50; i++) {
      const attachments = i % 2 ? [{ filename: "letter.pdf", content: Buffer.from("%PDF-1.7"), contentType: "application/pdf" }] : [];
      const raw = composeMessage(mail(i, attachments), "Appeals <no-reply@appeals.localhost>").raw.toString();
      const found = boundariesOf(raw);
      expect(found).toHaveLength(attachments.length ? 2 : 1);
      for (const b of found) expect(raw).toContain(`--${b}--`);
      all.push(...found);
    }
    expect(new Set(all).size).toBe(all.length);
    for (const b of all) expect(b).toMatch(/^=_[A-Za-z0-9_-]{24,}$/);
    // Not a fixed seed with a counter: consecutive boundaries share no more than chance allows.
    for (let i = 1; i < all.length; i++) expect(shared(all[i - 1]!, all[i]!)).toBeLessThan(2 + 6);
    // Every character position varies across messages (a counter or a clock would leave most fixed).
    const positions = all[0]!.length;
    for (let p = 2; p < positions; p++) expect(new Set(all.map((b) => b[p])).size, `position ${p}`).toBeGreaterThan(5);
  });
});

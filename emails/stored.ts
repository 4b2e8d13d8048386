import { z } from "zod";
import type { EmailContent } from "./layout.js";
import { alreadySignedEmail, confirmEmail } from "./signing.js";

/*
 * Mails the outbox keeps as what they are made from (the template's name and its values) and
 * renders where it sends them (app/services/outbox.server.ts openMail): on the hot path (a
 * signature) the request then seals a few hundred bytes instead of rendering, compressing and
 * sealing both bodies, and writes that much less. The values are as sensitive as the bodies
 * (they hold the live links), so they are sealed the same way ("mail") and erased the same way.
 *
 * Rendering later must give the mail rendering at once would have given: a template here takes
 * every value it depends on (language, the link's lifetime in days, the minimal-data switch) in
 * its values, not from the time or the database when it is sent.
 */

const lang = z.enum(["en", "ru", "kk"]);

const STORED = z.discriminatedUnion("template", [
  z.object({
    template: z.literal("signature_confirm"),
    lang,
    values: z.object({
      name: z.string(),
      title: z.string(),
      days: z.number().int().positive(),
      confirmUrl: z.string(),
      rejectUrl: z.string(),
      withdrawUrl: z.string(),
      neutral: z.boolean(),
    }),
  }),
  z.object({
    template: z.literal("signature_already"),
    lang,
    values: z.object({ title: z.string(), withdrawUrl: z.string(), neutral: z.boolean() }),
  }),
]);

/** A mail as queued: which template, in which language, with which values. */
export type StoredMail = z.infer<typeof STORED>;

/** The stored form (JSON, sealed by the outbox's writers). */
export const storedMailText = (mail: StoredMail): string => JSON.stringify(mail);

/**
 * Renders a stored mail; throws on anything that is not one (the row then fails like one under an
 * unknown key). The error says no more than that: JSON.parse's message quotes the text, which
 * holds live links, and the outbox stores and logs what a send failed with.
 */
export function renderStoredMail(stored: string): EmailContent {
  let mail: StoredMail;
  try {
    mail = STORED.parse(JSON.parse(stored));
  } catch {
    throw new Error("the queued mail is not a known template");
  }
  switch (mail.template) {
    case "signature_confirm":
      return confirmEmail(mail.lang, mail.values);
    case "signature_already":
      return alreadySignedEmail(mail.lang, mail.values);
  }
}

import { z } from "zod";
import { longText } from "./common";

export const RESPONSE_TEXT_MAX = 10_000;

/** A received date is a real day, not after today (anywhere on Earth: UTC+14) and not before 2000. */
export function isReceivedDate(value: string, now = new Date()): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) return false;
  return value >= "2000-01-01" && day.getTime() <= now.getTime() + 14 * 3600_000;
}

/**
 * Recording an addressee's response (app/routes/dashboard.appeals.$id.responses.tsx): who
 * answered (one of `addresseeIds`), the day it was received, and its text in one or more of the
 * appeal's languages (`body.<lang>`). The file (optional) is checked by the attachments service.
 */
export function responseSchema(langs: string[], addresseeIds: number[]) {
  const bodies: Record<string, z.ZodType<string>> = {};
  for (const l of langs) {
    bodies[`body.${l}`] = z
      .string()
      .optional()
      .transform((v) => v ?? "")
      .pipe(longText(RESPONSE_TEXT_MAX));
  }
  return z
    .object({
      addressee: z
        .string({ message: "responses.noAddressee" })
        .regex(/^\d{1,15}$/, { message: "responses.noAddressee" })
        .transform(Number)
        .refine((id) => addresseeIds.includes(id), { message: "responses.noAddressee" }),
      receivedOn: z
        .string({ message: "responses.badDate" })
        .transform((v) => v.trim())
        .refine((v) => isReceivedDate(v), { message: "responses.badDate" }),
      ...bodies,
    })
    .transform((data) => {
      const record: Record<string, unknown> = data;
      const content: Record<string, string> = {};
      for (const l of langs) {
        const body = record[`body.${l}`];
        if (typeof body === "string" && body) content[l] = body;
      }
      return { addresseeId: data.addressee, receivedOn: data.receivedOn, content };
    })
    .refine((d) => Object.keys(d.content).length > 0, { message: "responses.noText" });
}

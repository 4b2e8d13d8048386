import { z } from "zod";

/** The thanks page's "Keep a receipt" form (app/routes/appeals.$slug_.thanks.tsx): the opt-in, and whether to e-mail it too. */
export const receiptRequestSchema = z.object({
  _intent: z.literal("receipt", { message: "receipt.badForm" }),
  email: z
    .enum(["on"])
    .optional()
    .transform((v) => v === "on"),
});

/** /verify/<code>'s receipt form: one pasted receipt line (a v1 receipt is well under 2 KB). */
export const verifyReceiptSchema = z.object({
  _intent: z.literal("receipt", { message: "receipt.badForm" }),
  receipt: z.string().trim().min(1, "receipt.verify.empty").max(4000, "receipt.verify.malformed"),
});

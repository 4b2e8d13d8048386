import { z } from "zod";
import { requiredText } from "./common";

/** Removing a signature from the dashboard needs a reason (kept in the audit log). */
export const removeSignatureSchema = z.object({ signatureId: z.coerce.number().int().positive(), reason: requiredText(500) });

import { z } from "zod";
import { email } from "./common";

export const loginSchema = z.object({ email, next: z.string().optional() });

/** "Send me my data": only the address. */
export const myDataSchema = z.object({ email });

import { z } from "zod";
import { email } from "./common";

export const loginSchema = z.object({ email, next: z.string().optional() });

import { z } from "zod";
import { email, optionalMultiline, requiredText } from "./common";

/** /register: the organization's name (one line: it goes into e-mails and letters), the owner's address, a few lines about it. */
export const registerSchema = z.object({
  name: requiredText(200),
  email,
  description: optionalMultiline(500),
});

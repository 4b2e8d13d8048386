import { translatorsOf } from "./index";
import { emails } from "./messages/emails.server";
import { emailsMinimal } from "./messages/emails-minimal.server";
import { registerEmails } from "./messages/register-emails.server";
import { emailsResponses } from "./messages/emails-responses.server";

/**
 * The translator of the e-mails' words (emails/*.ts): typed like the UI's (a missing translation
 * does not compile), filled and pluralized by the same code, and kept on the server (see
 * ./messages/emails.server).
 */
export const emailTranslator = translatorsOf([emails, emailsMinimal, registerEmails, emailsResponses]);

/** `npm run org:create -- --name "Human Rights Coalition" --owner someone@example.org` */
import { z } from "zod";
import { email, requiredText } from "../app/schemas/common.js";
import { createOrganizationWithOwner } from "../app/services/organizations.server.js";
import { cliOptions, fail } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

const usage = 'Usage: npm run org:create -- --name "Organization name" --owner owner@example.org';
const values = cliOptions({ name: { type: "string" }, owner: { type: "string" } }, usage);
// The name goes into e-mails (invitations, letters): one line, like every single-line field.
const parsed = z.object({ name: requiredText(200), owner: email }).safeParse(values);
if (!parsed.success) {
  const missing = (["name", "owner"] as const).filter((key) => !values[key]).map((key) => `--${key}`);
  fail(missing.length ? `missing ${missing.join(" and ")}` : "--owner must be an e-mail address and --name one line of at most 200 characters", usage);
}
await withDatabase(async () => {
  const { organizationId } = await createOrganizationWithOwner(parsed.data.name, parsed.data.owner);
  // The address is not echoed: logs and terminals are not a place for it.
  console.log(`Created organization #${organizationId} "${parsed.data.name}" with its owner. They can sign in at /login.`);
});

/** `npm run org:create -- --name "Human Rights Coalition" --owner someone@example.org` */
import { parseArgs } from "node:util";
import { z } from "zod";
import { email } from "../app/schemas/common.js";
import { createOrganizationWithOwner } from "../app/services/organizations.server.js";
import { withDatabase } from "./lib/with-database.js";

const { values } = parseArgs({ options: { name: { type: "string" }, owner: { type: "string" } }, strict: true });
const parsed = z.object({ name: z.string().trim().min(1).max(200), owner: email }).safeParse(values);
if (!parsed.success) {
  console.error('Usage: npm run org:create -- --name "Organization name" --owner owner@example.org');
  process.exit(2);
}
await withDatabase(async () => {
  const { organizationId } = await createOrganizationWithOwner(parsed.data.name, parsed.data.owner);
  // The address is not echoed: logs and terminals are not a place for it.
  console.log(`Created organization #${organizationId} "${parsed.data.name}" with its owner. They can sign in at /login.`);
});

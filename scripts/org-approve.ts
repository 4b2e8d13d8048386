/**
 * The operator's side of ORG_REGISTRATION=approval:
 *   npm run org:approve              lists the organizations waiting (number, date, name, description)
 *   npm run org:approve -- --id 12   approves one: it may publish, and its owners are told by e-mail
 * The operator is whoever runs the site's commands (as `npm run org:create`): no role in the app.
 */
import { z } from "zod";
import { approveOrganization, pendingOrganizations } from "../app/services/registration.server.js";
import { cliOptions, fail } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

const usage = "Usage: npm run org:approve [-- --id <organization number>]";
const values = cliOptions({ id: { type: "string" } }, usage);
const id = z.coerce.number().int().positive().optional().safeParse(values.id);
if (!id.success) fail("--id must be an organization's number (as the list shows it)", usage);

await withDatabase(async () => {
  if (id.data === undefined) {
    const pending = await pendingOrganizations();
    if (!pending.length) {
      console.log("No organization is waiting for approval.");
      return;
    }
    for (const org of pending) {
      const description = org.description ? `\n    ${org.description.replace(/\s*\n\s*/g, "\n    ")}` : "";
      console.log(`#${org.id}  ${new Date(org.created_at).toISOString().slice(0, 16).replace("T", " ")}  ${org.name}${description}`);
    }
    console.log(`${pending.length} waiting. Approve one with: npm run org:approve -- --id <number>`);
    return;
  }
  if (!(await approveOrganization(id.data))) {
    console.error(`Organization #${id.data} is not waiting for approval (no such number, or approved already).`);
    process.exitCode = 1;
    return;
  }
  console.log(`Approved organization #${id.data}: it can publish now; its owners are told by e-mail.`);
});

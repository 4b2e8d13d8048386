/** `npm run retention [-- --dry-run] [-- --days N]`: erase signers' addresses past the retention period. */
import { applyRetention } from "../app/services/retention.server.js";
import { cliOptions, fail } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

const usage = "Usage: npm run retention -- [--dry-run] [--days N]";

const values = cliOptions({ "dry-run": { type: "boolean", default: false }, days: { type: "string" } }, usage);
const days = values.days === undefined ? undefined : Number(values.days);
if (days !== undefined && (!/^\d+$/.test(values.days ?? "") || !Number.isSafeInteger(days))) fail("--days must be a whole number of days", usage);
await withDatabase(async () => {
  const dryRun = values["dry-run"] ?? false;
  const report = await applyRetention({ dryRun, days });
  const verb = dryRun ? "would remove" : "removed";
  for (const a of report.appeals) console.log(`${a.slug}: ${verb} ${a.emails} e-mail addresses, ${a.ipHashes} IP hashes, ${a.pending} unconfirmed signatures`);
  if (report.mails) console.log(`outbox: ${verb} ${report.mails} e-mails sent more than the retention period ago`);
  console.log(
    report.appeals.length || report.mails
      ? `total: ${verb} ${report.emails} e-mail addresses, ${report.ipHashes} IP hashes, ${report.pending} unconfirmed signatures, ${report.mails} sent e-mails`
      : "nothing to remove",
  );
});

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded cluster when it is unset. */
import { migrateToLatest } from "../db/migrate.js";
import { cliOptions } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

cliOptions({}, "Usage: npm run db:migrate");
await withDatabase(
  async ({ db }) => {
    const applied = await migrateToLatest(db);
    for (const name of applied) console.log(`applied ${name}`);
    console.log(applied.length ? `Database migrated (${applied.length} applied)` : "Database is up to date");
  },
  { migrate: false },
);

/** `npm run db:seed`: the demo organization, organizer@example.org and the published "demo-appeal". */
import { DEMO_SLUG, seedDemo } from "../app/services/demo-data.server.js";
import { cliOptions } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

cliOptions({}, "Usage: npm run db:seed");
await withDatabase(async () => {
  const created = await seedDemo();
  console.log(created ? `Demo data loaded: /appeals/${DEMO_SLUG}; organizer sign-in with the demo address at /login` : "Demo data already present");
});

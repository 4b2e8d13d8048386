/**
 * `npm run test:faults`: the fault tests alone (tests/integration/faults*.test.ts): kill -9 of
 * the app during signing, PostgreSQL restarted during signing, the SMTP relay down, N app
 * processes and M outbox workers on one database. Builds the app first when its sources changed
 * (the tests start the built app as `npm start` does). Arguments go to vitest, e.g.
 * `npm run test:faults -- -t "kill -9"`. Knobs: FAULT_SMTP_DOWN_SECONDS (default 20; 180 shows
 * an outage of minutes), FAULT_APPS and FAULT_WORKERS (default 2 and 2).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { buildIfNeeded } from "../server/build-if-needed.js";

buildIfNeeded((line) => console.log(`[test:faults] ${line}`));
const run = spawnSync(path.resolve("node_modules/.bin/vitest"), ["run", "tests/integration/faults", ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 1);

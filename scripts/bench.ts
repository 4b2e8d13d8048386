/** `npm run bench`: every benchmark in turn (each prints its figures, targets and ratios). */
import { spawnSync } from "node:child_process";

for (const name of ["bench:outbox", "bench:sign", "bench:pdf", "bench:attacks"]) {
  console.log(`\n━━ npm run ${name} ━━`);
  const run = spawnSync("npm", ["run", "--silent", name], { stdio: "inherit" });
  if (run.status !== 0) console.log(`${name} exited with ${run.status}`);
}

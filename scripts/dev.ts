/**
 * `npm run dev`: rebuilds the app on every change (`remix watch`) and runs the server, which
 * loads the newest build per request in development. Same database defaults as `npm start`.
 */
import { spawn } from "node:child_process";
import path from "node:path";

const env = { ...process.env, NODE_ENV: "development" as const, APPEALS_DEV: "1" };
const watch = spawn(process.execPath, [path.resolve("node_modules/@remix-run/dev/dist/cli.js"), "watch"], { stdio: "inherit", env });
const server = spawn(process.execPath, ["--import", "tsx", path.resolve("server.ts")], { stdio: "inherit", env });

const stop = (signal: NodeJS.Signals) => {
  watch.kill(signal);
  server.kill(signal);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
server.on("exit", (code) => {
  watch.kill("SIGTERM");
  process.exit(code ?? 0);
});

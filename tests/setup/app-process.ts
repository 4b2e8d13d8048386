import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../db/embedded.js";

export interface AppProcess {
  url: string;
  port: number;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Runs `server.ts` (the same code as `npm start`) on a free 127.0.0.1 port and waits for /healthz. */
export async function startApp(env: Record<string, string>, nodeArgs: string[] = []): Promise<AppProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  // APP_NODE_ARGS: flags for the app's node (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"; NODE_OPTIONS refuses --cpu-prof).
  const child = spawn(
    process.execPath,
    [...(process.env.APP_NODE_ARGS ? process.env.APP_NODE_ARGS.split(" ") : []), ...nodeArgs, "--import", "tsx", path.resolve("server.ts")],
    {
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", APP_URL: url, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`the app did not become healthy:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

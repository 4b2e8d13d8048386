import { existsSync, promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseEnv } from "../../app/utils/env.server.js";
import { startApp, type AppProcess } from "../setup/app-process.js";

/**
 * Development serves /dev/mailbox, which shows sign-in links: with HOST unset it must listen on
 * 127.0.0.1 only. Production keeps listening on every interface (a proxy or container reaches
 * it there), where /dev/mailbox answers 404.
 */
describe("where the server listens", () => {
  it("HOST unset: 127.0.0.1 in development and test, 0.0.0.0 in production; HOST set: that address", () => {
    expect(parseEnv({}).HOST).toBe("127.0.0.1");
    expect(parseEnv({ NODE_ENV: "development" }).HOST).toBe("127.0.0.1");
    expect(parseEnv({ NODE_ENV: "test", HOST: "" }).HOST).toBe("127.0.0.1");
    expect(
      parseEnv({ NODE_ENV: "production", SESSION_SECRET: "x".repeat(32), SIGNING_KEY_SECRET: "y".repeat(32), DATA_KEY: Buffer.alloc(32, 7).toString("base64") })
        .HOST,
    ).toBe("0.0.0.0");
    expect(parseEnv({ NODE_ENV: "development", HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
  });

  /** An IPv4 address of this machine that is not loopback, or null. */
  function outsideAddress(): string | null {
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list ?? []) if (a.family === "IPv4" && !a.internal && !a.address.startsWith("127.")) return a.address;
    }
    return null;
  }

  /** Whether a TCP connection to host:port is accepted (bounded to 3 s). */
  function accepts(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(3000, () => done(false));
      socket.once("connect", () => done(true));
      socket.once("error", () => done(false));
    });
  }

  describe.skipIf(!existsSync("build/index.js"))("a real start in development with HOST unset", () => {
    let app: AppProcess | undefined;
    let dataDir = "";
    afterAll(async () => {
      await app?.stop();
      if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    });

    it("answers on 127.0.0.1 (its mailbox too) and is not reachable on this machine's other address", async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-bind-"));
      // HOST "" is HOST unset for the configuration (startApp would otherwise pass 127.0.0.1).
      app = await startApp({ HOST: "", NODE_ENV: "development", SMTP_URL: "", DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL ?? "" });
      expect((await fetch(`${app.url}/dev/mailbox`)).status).toBe(200);
      const outside = outsideAddress();
      if (!outside) {
        console.warn("dev-bind: this machine has no non-loopback IPv4 address; the outside check is skipped");
        return;
      }
      expect(await accepts("127.0.0.1", app.port)).toBe(true);
      expect(await accepts(outside, app.port), `reachable on ${outside}:${app.port}`).toBe(false);
      expect(app.output()).toContain("this machine only");
    }, 150_000);
  });
});

import { promises as fs } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { buildIfNeeded } from "../../server/build-if-needed.js";
import { startApp } from "./app-process.js";
import { cloneDatabase, createTemplate, dropDatabase, startTestCluster } from "./postgres.js";
import { SmtpSink } from "./smtp-sink.js";

/** The tests' fixed, not-secret DATA_KEY (the same one vitest.config.ts gives every test process). */
const TEST_DATA_KEY = "YXBwZWFscy10ZXN0cy1kYXRhLWtleS1OT1QtU0VDUkU=";

/**
 * For the browser tests: a throwaway PostgreSQL, a real SMTP sink (with a small JSON API so
 * tests can read what arrived), and the built app started as `npm start` would.
 */
export default async function globalSetup() {
  buildIfNeeded((line) => console.log(`[e2e] ${line}`));
  const cluster = await startTestCluster();
  const template = `appeals_e2e_template_${process.pid}`;
  await createTemplate(cluster.serverUrl, template);
  const dbName = `appeals_e2e_${process.pid}`;
  const databaseUrl = await cloneDatabase(cluster.serverUrl, template, dbName);

  const sink = new SmtpSink();
  await sink.start();
  const api = http.createServer((req, res) => {
    if (req.method === "DELETE") {
      sink.messages.length = 0;
      res.end("{}");
      return;
    }
    const body = sink.messages.map((m) => ({ ...m, attachments: m.attachments.map((a) => ({ ...a, content: a.content.toString("base64") })) }));
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", () => r()));

  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-e2e-data-"));
  const app = await startApp({
    DATABASE_URL: databaseUrl,
    SMTP_URL: sink.url,
    DATA_DIR: dataDir,
    NODE_ENV: "test",
    // The tests' fixed key (vitest.config.ts too): specs that read the database open what the app sealed.
    DATA_KEY: TEST_DATA_KEY,
    LOG_REQUESTS: "0",
    E2E: "1",
    // Every browser test comes from one IP and fills forms in well under the default 3 s.
    MIN_FILL_SECONDS: "1",
    SIGN_LIMIT_PER_IP: "100000",
    LOGIN_LIMIT_PER_IP: "100000",
    LOGIN_LIMIT_PER_ADDRESS: "1000",
    // Organizations may register themselves (tests/e2e/register.spec.ts).
    ORG_REGISTRATION: "open",
  });

  process.env.E2E_BASE_URL = app.url;
  process.env.DATA_KEY = TEST_DATA_KEY;
  process.env.E2E_MAIL_API = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  process.env.E2E_DATABASE_URL = databaseUrl;

  return async () => {
    await app.stop();
    await new Promise((r) => api.close(r));
    await sink.stop();
    await dropDatabase(cluster.serverUrl, dbName).catch(() => undefined);
    await dropDatabase(cluster.serverUrl, template).catch(() => undefined);
    await cluster.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
}

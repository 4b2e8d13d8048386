import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "~": path.resolve("app") } },
  test: {
    // Playwright specs live in tests/e2e and run with `playwright test`.
    include: [
      "app/**/*.test.{ts,tsx}",
      "db/**/*.test.ts",
      "emails/**/*.test.ts",
      "server/**/*.test.ts",
      "tests/integration/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    exclude: ["tests/e2e/**", "node_modules/**"],
    globalSetup: ["tests/setup/vitest-global.ts"],
    setupFiles: ["tests/setup/vitest-db.ts"],
    environment: "node",
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // In-process tests ask for many sign-in links for one address: the limits are tested against the app (tests/integration/login-limits.test.ts).
    // DATA_KEY: one fixed, not-secret key for every test process and the apps they start, so a test reads what its app sealed.
    env: {
      DATA_KEY: "YXBwZWFscy10ZXN0cy1kYXRhLWtleS1OT1QtU0VDUkU=",
      NODE_ENV: "test",
      LOG_REQUESTS: "0",
      LOGIN_LIMIT_PER_IP: "100000",
      LOGIN_LIMIT_PER_ADDRESS: "1000",
    },
  },
});

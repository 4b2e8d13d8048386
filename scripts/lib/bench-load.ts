/** Load for the benchmarks: autocannon as a promise, and the sign form's requests (one new signer each). */
import autocannon, { type Result } from "autocannon";

export const SLUG = "demo-appeal";

export function randomIp(i: number) {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

export function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** Signers made so far, across every phase and arm: each gets its own address and client IP. */
let counter = 0;

/** The form's request for autocannon: a new signer per request, from its own address. */
export function signRequestFor(stamp: string, prefix: string) {
  return {
    method: "POST" as const,
    path: `/appeals/${SLUG}`,
    setupRequest: (req: autocannon.Request) => {
      counter++;
      const body = new URLSearchParams({
        name: `Айгерім Сейітқалиева ${counter}`,
        email: `${prefix}-${counter}@bench.example.org`,
        city: "Қарағанды",
        country: "KZ",
        disclosure: "public",
        consent: "on",
        stamp,
        website: "",
      }).toString();
      return {
        ...req,
        body,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": randomIp(counter), "accept-language": "kk" },
      };
    },
  };
}

/** The app's DATA_KEY (required in production): a fixed, not-secret key for a throwaway database. */
export const BENCH_DATA_KEY = Buffer.from("appeals-bench-data-key-NOT-SECRET").subarray(0, 32).toString("base64");

/** The app as `npm start` runs it in production, on a throwaway database with the demo appeal. */
export function productionEnv(databaseUrl: string, smtpUrl: string, dataDir: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    SMTP_URL: smtpUrl,
    DATA_DIR: dataDir,
    SEED_DEMO: "1",
    LOG_REQUESTS: "0",
    NODE_ENV: "production",
    SESSION_SECRET: "bench-secret-bench-secret-bench-secret!!",
    SIGNING_KEY_SECRET: "bench-signing-secret-bench-signing-secret",
    DATA_KEY: BENCH_DATA_KEY,
  };
}

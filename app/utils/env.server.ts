import crypto from "node:crypto";
import net from "node:net";
import path from "node:path";
import { z } from "zod";

/**
 * The whole configuration of the app, validated once. Every variable is documented in
 * `.env.example` and the README. A bad value stops the start with one line naming it.
 */
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || (URL.canParse(v) && protocols.includes(new URL(v).protocol)), {
      message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    });

/**
 * Which proxies' X-Forwarded-For to believe, as express's `trust proxy` takes it: a number of
 * proxy hops in front of the app (a CDN and a load balancer: 2), or a comma-separated list of
 * addresses, CIDR ranges and the names loopback, linklocal, uniquelocal. Default: the private
 * ranges (a reverse proxy on the same host or network).
 */
export const DEFAULT_TRUST_PROXY = ["loopback", "linklocal", "uniquelocal"];
const PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);
function trustedProxy(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address = "", bits, ...rest] = entry.split("/");
  if (rest.length || !net.isIP(address)) return false;
  if (bits === undefined) return true;
  const max = net.isIPv4(address) ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}
const trustProxy = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx): number | string[] => {
    if (v === undefined || v === "") return DEFAULT_TRUST_PROXY;
    if (/^\d+$/.test(v)) return Number(v);
    const entries = v
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.find((e) => !trustedProxy(e));
    if (bad !== undefined || !entries.length) {
      ctx.addIssue({
        code: "custom",
        message: `must be a number of proxy hops (e.g. 1) or a comma-separated list of addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal${bad === undefined ? "" : ` (not understood: "${bad}")`}`,
      });
      return z.NEVER;
    }
    return entries;
  });

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]),
    // A streaming replica of the database: the public reads (appeal pages, the JSON API, the home
    // page) go there, and to the primary while it does not answer (db/read-replica.ts).
    READ_DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]),
    SMTP_URL: optionalUrl(["smtp:", "smtps:"]),
    APP_URL: z
      .string()
      .trim()
      .optional()
      .refine((v) => v === undefined || v === "" || (URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)), {
        message: "must be an absolute http:// or https:// URL",
      }),
    PORT: z.coerce
      .number({ message: "must be a number" })
      .int("must be a whole number")
      .min(0, "must be between 0 and 65535")
      .max(65535, "must be between 0 and 65535")
      .default(3000),
    // Unset: see defaultHost() below (loopback outside production).
    HOST: z.string().trim().optional(),
    SESSION_SECRET: z.string().optional(),
    MAIL_FROM: z.string().trim().min(3).default("Appeals <no-reply@appeals.localhost>"),
    DATA_DIR: z.string().trim().min(1).default("./.data"),
    SEED_DEMO: z.enum(["0", "1", ""]).optional(),
    LOG_REQUESTS: z.enum(["0", "1", ""]).optional(),
    SIGNATURE_TOKEN_TTL_HOURS: z.coerce
      .number()
      .positive("must be a positive number of hours")
      .default(24 * 7),
    RETENTION_DAYS: z.coerce.number().int().min(0, "must be 0 or more days").default(90),
    BLOCKED_EMAIL_DOMAINS: z.string().default(""),
    ALLOWED_EMAIL_DOMAINS: z.string().default(""),
    SIGN_LIMIT_PER_IP: z.coerce.number().int().positive("must be a positive number").default(60),
    SIGN_LIMIT_PER_ADDRESS: z.coerce.number().int().positive("must be a positive number").default(3),
    MIN_FILL_SECONDS: z.coerce.number().min(0, "must be 0 or more seconds").default(3),
    // Where the rate limits count (app/services/abuse.server.ts): in this process, or in the
    // database's rate_limits table, so several processes enforce one limit.
    LIMITS_STORE: z.enum(["memory", "postgres"], { message: 'must be "memory" or "postgres"' }).default("memory"),
    TRUST_PROXY: trustProxy,
    // Tor: the app's onion service (http://<56 letters>.onion, no path). Every response then
    // sends Onion-Location; MAIL_LINKS=onion points e-mail links there (the clear-web link follows
    // each one in small print). Default "clear": e-mail links go to APP_URL only.
    ONION_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v.replace(/\/+$/, "") : undefined))
      .refine((v) => v === undefined || isOnionUrl(v), {
        message: "must be an http:// or https:// URL whose host ends in .onion, with no path, query or fragment (e.g. http://abc…xyz.onion)",
      }),
    MAIL_LINKS: z.enum(["clear", "onion"], { message: 'must be "clear" or "onion"' }).default("clear"),
    // Organizations registering themselves at /register (app/services/registration.server.ts):
    // "closed", only `npm run org:create` makes them (/register is 404); "approval", an owner who
    // opened the e-mailed link gets a pending organization that publishes once the operator ran
    // `npm run org:approve`; "open", it is active at once.
    ORG_REGISTRATION: z.enum(["closed", "approval", "open"], { message: 'must be "closed", "approval" or "open"' }).default("closed"),
    LOGIN_LIMIT_PER_IP: z.coerce.number().int().positive("must be a positive number").default(30),
    LOGIN_LIMIT_PER_ADDRESS: z.coerce.number().int().positive("must be a positive number").default(3),
    // A client past a budget (floods, link guessing) gets its 429 after this many ms (server/refusal-hold.ts).
    REFUSAL_HOLD_MS: z.coerce.number().int().min(0, "must be 0 or more milliseconds").max(10_000, "must be at most 10000 ms").default(1000),
    // Letters: the time one letter job may take before it is stopped and marked failed (a
    // 1,000,000-row letter takes ~11 s here: see the README's figures), and the letters one
    // organization may have waiting or being made at once.
    LETTER_JOB_TIMEOUT_S: z.coerce.number().positive("must be a positive number of seconds").default(1800),
    // A letter worker holds the letter it makes for this long, renewing it while it works; a
    // letter whose worker stopped renewing (dead, or cut off) is queued again after it.
    LETTER_LEASE_S: z.coerce.number().int().min(1, "must be at least 1 second").default(120),
    LETTER_QUEUE_PER_ORG: z.coerce.number().int().positive("must be a positive number").default(20),
    // Signed letters: the secret the organizations' signing keys are encrypted under at rest
    // (app/services/signing-identity.server.ts), and an RFC 3161 time-stamp authority (unset: no time-stamp).
    SIGNING_KEY_SECRET: z.string().optional(),
    TSA_URL: optionalUrl(["http:", "https:"]),
    // Encryption at rest (app/services/data-key.server.ts): the key e-mail addresses and hidden
    // names are sealed under (32 bytes in base64; made under DATA_DIR outside production), and
    // the keys of a rotation still under way (comma-separated).
    DATA_KEY: z
      .string()
      .trim()
      .optional()
      .transform((v) => v || undefined),
    DATA_KEY_PREVIOUS: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((k) => k.trim())
          .filter(Boolean),
      ),
    // `npm run bench:sign` only: stores addresses and hidden names as they were before encryption
    // (no sealing, the look-up key unkeyed), to measure what sealing costs in the same run.
    // Refused in production.
    BENCH_PLAINTEXT_AT_REST: z
      .enum(["", "0", "1"])
      .default("")
      .transform((v) => v === "1"),
  })
  .superRefine((env, ctx) => {
    if (env.MAIL_LINKS === "onion" && !env.ONION_URL) {
      ctx.addIssue({ code: "custom", path: ["MAIL_LINKS"], message: "is onion but ONION_URL is not set" });
    }
    if (env.NODE_ENV === "production" && (!env.SESSION_SECRET || env.SESSION_SECRET.length < 32)) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_SECRET"],
        message: "is required in production and must be at least 32 characters",
      });
    }
    if (env.NODE_ENV === "production" && (!env.SIGNING_KEY_SECRET || env.SIGNING_KEY_SECRET.length < 32)) {
      ctx.addIssue({
        code: "custom",
        path: ["SIGNING_KEY_SECRET"],
        message: "is required in production and must be at least 32 characters (it encrypts the letters' signing keys; keep it apart from the database)",
      });
    }
    if (env.DATA_KEY ? !decodeDataKey(env.DATA_KEY) : env.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["DATA_KEY"],
        message: `${env.DATA_KEY ? "must be" : "is required in production:"} 32 random bytes in base64, as \`openssl rand -base64 32\` prints (it encrypts e-mail addresses and hidden names; keep it apart from the database)`,
      });
    }
    if (env.NODE_ENV === "production" && env.BENCH_PLAINTEXT_AT_REST) {
      ctx.addIssue({
        code: "custom",
        path: ["BENCH_PLAINTEXT_AT_REST"],
        message: "is a benchmark's setting (no encryption at rest) and is refused in production",
      });
    }
    if (env.DATA_KEY_PREVIOUS.some((k) => !decodeDataKey(k))) {
      ctx.addIssue({ code: "custom", path: ["DATA_KEY_PREVIOUS"], message: "must be keys of 32 bytes in base64, separated by commas" });
    }
  });

export type Env = Omit<z.infer<typeof schema>, "APP_URL" | "SESSION_SECRET" | "HOST" | "SIGNING_KEY_SECRET"> & {
  HOST: string;
  APP_URL: string;
  SESSION_SECRET: string;
  SIGNING_KEY_SECRET: string;
  DATA_DIR: string;
};

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0] ?? "environment");
    throw new EnvError(`Invalid configuration: ${name} ${issue.message}`);
  }
  const env = result.data;
  const appUrl = env.APP_URL ? env.APP_URL.replace(/\/+$/, "") : `http://localhost:${env.PORT || 3000}`;
  const sessionSecret = env.SESSION_SECRET ?? "appeals-development-secret-not-for-production";
  return {
    ...env,
    HOST: env.HOST || defaultHost(env.NODE_ENV),
    APP_URL: appUrl,
    // Development gets a fixed, obviously-not-secret key so sessions survive restarts.
    SESSION_SECRET: sessionSecret,
    // Outside production (where it is required) derived from the session secret, so development needs no setting.
    SIGNING_KEY_SECRET: env.SIGNING_KEY_SECRET || derivedSigningSecret(sessionSecret),
    DATA_DIR: path.resolve(env.DATA_DIR),
  };
}

/** DATA_KEY's format: 32 bytes in base64 (`openssl rand -base64 32`; base64url too). Null when it is not that. */
export function decodeDataKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const bytes = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return bytes.length === 32 ? bytes : null;
}

/** An onion service's address as ONION_URL takes it: http(s), a host ending in .onion, nothing after the origin. */
function isOnionUrl(v: string): boolean {
  if (!URL.canParse(v)) return false;
  const u = new URL(v);
  return (
    /^https?:$/.test(u.protocol) &&
    u.hostname.length > ".onion".length &&
    u.hostname.endsWith(".onion") &&
    u.pathname === "/" &&
    !u.search &&
    !u.hash &&
    !u.username &&
    !u.password
  );
}

function derivedSigningSecret(sessionSecret: string): string {
  return Buffer.from(crypto.hkdfSync("sha256", sessionSecret, "", "appeals signing-key secret v1", 32)).toString("base64url");
}

/**
 * Where the server listens when HOST is unset. Development and test keep to this machine
 * (127.0.0.1): they serve /dev/mailbox, which shows sign-in links. Production listens on every
 * interface (0.0.0.0), as a server behind a proxy or in a container must; /dev/mailbox is 404 there.
 */
export function defaultHost(nodeEnv: "development" | "production" | "test"): string {
  return nodeEnv === "production" ? "0.0.0.0" : "127.0.0.1";
}

const globalEnv = globalThis as typeof globalThis & { __appealsEnv?: Env };

/** The validated configuration (parsed on first use, then cached for the process). */
export function env(): Env {
  globalEnv.__appealsEnv ??= parseEnv();
  return globalEnv.__appealsEnv;
}

/** For tests and the server start: replace the cached configuration. */
export function setEnv(next: Env) {
  globalEnv.__appealsEnv = next;
}

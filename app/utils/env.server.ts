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
    .refine(
      (v) => v === undefined || (URL.canParse(v) && protocols.includes(new URL(v).protocol)),
      { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}` },
    );

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]),
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
    HOST: z.string().trim().default("0.0.0.0"),
    SESSION_SECRET: z.string().optional(),
    MAIL_FROM: z.string().trim().min(3).default("Appeals <no-reply@appeals.localhost>"),
    DATA_DIR: z.string().trim().min(1).default("./.data"),
    SEED_DEMO: z.enum(["0", "1", ""]).optional(),
    LOG_REQUESTS: z.enum(["0", "1", ""]).optional(),
    SIGNATURE_TOKEN_TTL_HOURS: z.coerce.number().positive("must be a positive number of hours").default(24 * 7),
    RETENTION_DAYS: z.coerce.number().int().min(0, "must be 0 or more days").default(90),
    BLOCKED_EMAIL_DOMAINS: z.string().default(""),
    ALLOWED_EMAIL_DOMAINS: z.string().default(""),
    SIGN_LIMIT_PER_IP: z.coerce.number().int().positive("must be a positive number").default(60),
    SIGN_LIMIT_PER_ADDRESS: z.coerce.number().int().positive("must be a positive number").default(3),
    MIN_FILL_SECONDS: z.coerce.number().min(0, "must be 0 or more seconds").default(3),
    // Letters: the time one letter job may take before it is stopped and marked failed (a
    // 1,000,000-row letter takes ~11 s here: see the README's figures), and the letters one
    // organization may have waiting or being made at once.
    LETTER_JOB_TIMEOUT_S: z.coerce.number().positive("must be a positive number of seconds").default(1800),
    LETTER_QUEUE_PER_ORG: z.coerce.number().int().positive("must be a positive number").default(20),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && (!env.SESSION_SECRET || env.SESSION_SECRET.length < 32)) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_SECRET"],
        message: "is required in production and must be at least 32 characters",
      });
    }
  });

export type Env = Omit<z.infer<typeof schema>, "APP_URL" | "SESSION_SECRET"> & {
  APP_URL: string;
  SESSION_SECRET: string;
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
  return {
    ...env,
    APP_URL: appUrl,
    // Development gets a fixed, obviously-not-secret key so sessions survive restarts.
    SESSION_SECRET: env.SESSION_SECRET ?? "appeals-development-secret-not-for-production",
    DATA_DIR: path.resolve(env.DATA_DIR),
  };
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

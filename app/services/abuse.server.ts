import crypto from "node:crypto";
import net from "node:net";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { getDb, primaryPool } from "../../db/client";
import { env } from "../utils/env.server";
import { hashToken, isWellFormedToken } from "../utils/tokens.server";
import { emailDomain, emailKey } from "./email-key";

/**
 * Abuse checks without third-party CAPTCHAs: rate limits per IP and per address, a honeypot
 * field, a minimum time-to-fill, blocked/allowed e-mail domains. A tripped check is recorded
 * (kind only, no address) and the signer sees the same answer as everyone else.
 */
export type AbuseKind = "honeypot" | "too_fast" | "bad_stamp" | "stale_stamp" | "ip_rate" | "address_rate" | "blocked_domain" | "not_allowed_domain";

/**
 * Where the counters live (LIMITS_STORE): "memory", each process counts its own; "postgres", in
 * the rate_limits table (an UNLOGGED table made by a migration), so every process of the site —
 * on one machine or several — counts against one limit. Each limiter has its own key prefix. If
 * the table cannot be reached, a postgres limiter counts in memory (its insuranceLimiter) for as
 * long as the error lasts: the site still limits, per process, rather than letting all through.
 */
export type LimitsStore = "memory" | "postgres";
export const LIMITS_TABLE = "rate_limits";
/** The prefix of ephemeralClientKey's keys (minimal-data appeals). */
const EPHEMERAL_PREFIX = "m|";

export function newLimiter(
  keyPrefix: string,
  options: { points: number; duration: number },
  where: { store?: LimitsStore; tableName?: string } = {},
): RateLimiterAbstract {
  const store = where.store ?? env().LIMITS_STORE;
  if (store === "memory") return new RateLimiterMemory({ ...options, keyPrefix });
  return new RateLimiterPostgres({
    ...options,
    keyPrefix,
    storeClient: primaryPool(),
    tableName: where.tableName ?? LIMITS_TABLE,
    // Made by db/migrations (2026-12-04T1300_rate_limits); expired rows go in the scheduler (purgeExpiredLimits).
    tableCreated: true,
    clearExpiredByTimeout: false,
    insuranceLimiter: new RateLimiterMemory({ ...options, keyPrefix }),
  });
}

const limiters: Record<
  | "ip"
  | "ipMinimal"
  | "address"
  | "tokens"
  | "tokenExcess"
  | "loginClient"
  | "loginAddress"
  | "loginAddressDay"
  | "listPages"
  | "verifyUploads"
  | "revocationLists"
  | "loginRequests",
  RateLimiterAbstract | null
> = {
  ip: null,
  ipMinimal: null,
  address: null,
  tokens: null,
  tokenExcess: null,
  loginClient: null,
  loginAddress: null,
  loginAddressDay: null,
  listPages: null,
  verifyUploads: null,
  revocationLists: null,
  loginRequests: null,
};

function ipLimiter() {
  limiters.ip ??= newLimiter("sign-ip", { points: env().SIGN_LIMIT_PER_IP, duration: 600 });
  return limiters.ip;
}
/**
 * Signing a minimal-data appeal (ephemeralClientKey, "m|..."): counted in this process' memory
 * whatever LIMITS_STORE says, since nothing IP-derived of such a signer may be written anywhere —
 * so with several processes each counts its own SIGN_LIMIT_PER_IP.
 */
function minimalIpLimiter() {
  limiters.ipMinimal ??= newLimiter("sign-ip-minimal", { points: env().SIGN_LIMIT_PER_IP, duration: 600 }, { store: "memory" });
  return limiters.ipMinimal;
}
function addressLimiter() {
  limiters.address ??= newLimiter("mail-address", { points: env().SIGN_LIMIT_PER_ADDRESS, duration: 3600 });
  return limiters.address;
}

/** For tests: forget every counter (this process' limiters, and with LIMITS_STORE=postgres the table's rows). */
export async function resetLimits(): Promise<void> {
  for (const name of Object.keys(limiters) as Array<keyof typeof limiters>) limiters[name] = null;
  lookups.clear();
  if (env().LIMITS_STORE === "postgres") await getDb().deleteFrom("rate_limits").execute();
}

/** Deletes the rows of windows that have ended (the scheduler, every 10 minutes; a no-op in memory). */
export async function purgeExpiredLimits(now = Date.now()): Promise<number> {
  if (env().LIMITS_STORE !== "postgres") return 0;
  const result = await getDb().deleteFrom("rate_limits").where("expire", "<", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Guessing links: at most TOKEN_GUESSES_PER_IP links that do not exist (confirm, reject,
 * withdraw, unsubscribe, sign-in) per client (clientKey) in TOKEN_GUESS_WINDOW_S. Past that,
 * the client still opens links that were issued — a school or a mobile carrier puts many
 * people behind one address, and the guesser among them must not lock the others out of their
 * own links — but every unknown token is answered 429, and each one lengthens the wait
 * (tokenGuessPenalty). Tokens are 256-bit, so this is not what keeps them unguessable; it
 * keeps a scanner from hammering the database and the log.
 */
export const TOKEN_GUESSES_PER_IP = 30;
export const TOKEN_GUESS_WINDOW_S = 15 * 60;
/** The longest a guesser is made to wait, however long it goes on. */
export const TOKEN_GUESS_MAX_WAIT_S = 24 * 3600;

function tokenLimiter() {
  limiters.tokens ??= newLimiter("token-guess", { points: TOKEN_GUESSES_PER_IP, duration: TOKEN_GUESS_WINDOW_S });
  return limiters.tokens;
}
/** Unknown tokens sent while already over the limit, per client, for a day: what the wait grows with. */
function tokenExcessLimiter() {
  limiters.tokenExcess ??= newLimiter("token-excess", { points: Number.MAX_SAFE_INTEGER, duration: TOKEN_GUESS_MAX_WAIT_S });
  return limiters.tokenExcess;
}

/** Seconds this client must wait before its unknown tokens are looked at again (0: it is under the limit). */
export async function tokenGuessWait(key: string): Promise<number> {
  const state = await tokenLimiter().get(key);
  if (!state || state.consumedPoints < TOKEN_GUESSES_PER_IP) return 0;
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}

/** The wait after the n-th unknown token past the limit: the window, doubled for every further limit's worth, up to a day. */
export function tokenGuessPenalty(excess: number): number {
  const doublings = Math.floor(Math.max(0, excess - 1) / TOKEN_GUESSES_PER_IP);
  return Math.min(TOKEN_GUESS_MAX_WAIT_S, TOKEN_GUESS_WINDOW_S * 2 ** Math.min(doublings, 10));
}

/**
 * Counts one link that did not exist against this client. Returns the seconds it must now
 * wait: 0 while under the limit; past it, the (growing) penalty.
 */
export async function recordTokenGuess(key: string): Promise<number> {
  try {
    await tokenLimiter().consume(key);
    return 0;
  } catch {
    // Over the limit: the wait grows with every further guess.
  }
  const excess = await tokenExcessLimiter()
    .consume(key)
    .then((r) => r.consumedPoints)
    .catch((r: unknown) => (r instanceof RateLimiterRes ? r.consumedPoints : 1));
  const penalty = tokenGuessPenalty(excess);
  const left = await tokenGuessWait(key);
  if (penalty > left) await tokenLimiter().block(key, penalty);
  return Math.max(penalty, left);
}

/**
 * One token lookup at a time per client while it is over the guess limit, with at most
 * LOOKUP_QUEUE waiting behind it; beyond that the request is refused without touching the
 * database. A guesser over the limit so costs the database one indexed lookup at a time,
 * however many connections it opens, and a real link behind the same address waits at most
 * a few lookups for its turn.
 */
const LOOKUP_QUEUE = 8;
const lookups = new Map<string, { tail: Promise<unknown>; waiting: number }>();

/** Runs `lookup` in this client's single lane; null when the lane is full (refuse, do not queue). */
export async function inClientLane<T>(key: string, lookup: () => Promise<T>): Promise<T | null> {
  const lane = lookups.get(key) ?? { tail: Promise.resolve(), waiting: 0 };
  if (lane.waiting >= LOOKUP_QUEUE) return null;
  lane.waiting++;
  lookups.set(key, lane);
  const run = lane.tail.then(lookup, lookup);
  lane.tail = run.catch(() => undefined);
  try {
    return await run;
  } finally {
    lane.waiting--;
    if (lane.waiting === 0 && lookups.get(key) === lane) lookups.delete(key);
  }
}

export type TokenKind = "confirm" | "reject" | "withdraw" | "unsubscribe" | "login" | "register";

/**
 * Whether a token was ever issued (used or expired ones included: those are not guesses).
 * Looked up by its SHA-256, like every token lookup: the database never sees the token, and
 * how long the lookup takes says nothing about how close a guess was.
 */
export async function isIssuedToken(kind: TokenKind, token: string): Promise<boolean> {
  if (!isWellFormedToken(token)) return false;
  const hash = hashToken(token);
  const db = getDb();
  const row =
    kind === "login"
      ? await db.selectFrom("login_tokens").select("id").where("token_hash", "=", hash).executeTakeFirst()
      : kind === "register"
        ? await db.selectFrom("org_registrations").select("id").where("token_hash", "=", hash).executeTakeFirst()
        : await db.selectFrom("signature_tokens").select("signature_id").where("token_hash", "=", hash).where("purpose", "=", kind).executeTakeFirst();
  return row !== undefined;
}

/**
 * The client an address stands for, as every per-client limit counts it: an IPv4 address
 * whole (an IPv4-mapped IPv6 address as the IPv4 one), an IPv6 address by its /64 — one
 * subscriber's network, inside which a client can pick any of 2^64 addresses at will.
 */
export function clientKey(ip: string): string {
  const address = ip.trim().replace(/%.*$/, "");
  if (net.isIPv4(address)) return address;
  if (!net.isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  // ::ffff:a.b.c.d (and its hex form ::ffff:XXXX:XXXX): an IPv4 client seen through a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail counts as two). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string) =>
    part
      .split(":")
      .filter(Boolean)
      .flatMap((g) => {
        if (!g.includes(".")) return [Number.parseInt(g, 16)];
        const [a = 0, b = 0, c = 0, d = 0] = g.split(".").map(Number);
        return [(a << 8) | b, (c << 8) | d];
      });
  const [head = "", tail] = address.split("::");
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(Math.max(0, 8 - front.length - back.length)).fill(0), ...back];
}

/** A keyed hash of the client (clientKey; the key rotates daily); the address itself is never stored. */
export function ipHash(ip: string): string {
  const day = new Date().toISOString().slice(0, 10);
  return crypto
    .createHmac("sha256", env().SESSION_SECRET)
    .update(`${day}|${clientKey(ip)}`)
    .digest("base64url")
    .slice(0, 22);
}

/**
 * How long a served form stays good for: a stamp older than this is refused (the form comes
 * back with what was typed and a fresh stamp), so one stamp cannot be kept and replayed forever.
 */
export const FORM_STAMP_MAX_AGE_S = 24 * 3600;

/** A signed "form served at" stamp for the time-to-fill check. */
export function formStamp(now = Date.now()): string {
  const ts = String(now);
  const mac = crypto.createHmac("sha256", env().SESSION_SECRET).update(`stamp|${ts}`).digest("base64url").slice(0, 16);
  return `${ts}.${mac}`;
}

function stampAge(stamp: string | undefined, now: number): number | null {
  if (!stamp) return null;
  const [ts = "", mac = ""] = stamp.split(".");
  const expected = crypto.createHmac("sha256", env().SESSION_SECRET).update(`stamp|${ts}`).digest("base64url").slice(0, 16);
  if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return null;
  return (now - Number(ts)) / 1000;
}

/** A genuine stamp that is too old: the form is shown again to be sent once more (not a bot, just a long pause). */
export function stampExpired(stamp: string | undefined | null, now = Date.now()): boolean {
  const age = stampAge(stamp ?? undefined, now);
  return age !== null && age > FORM_STAMP_MAX_AGE_S;
}

function domainList(value: string) {
  return value
    .split(",")
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
}

/** Checks that happen before anything is written; returns what tripped, or null. */
export async function screenSubmission(
  input: { website?: string; stamp?: string; email: string; ipHash: string },
  now = Date.now(),
): Promise<AbuseKind | null> {
  const config = env();
  if (input.website && input.website.trim() !== "") return "honeypot";
  const age = stampAge(input.stamp, now);
  if (age === null) return "bad_stamp";
  if (age > FORM_STAMP_MAX_AGE_S) return "stale_stamp";
  if (age < config.MIN_FILL_SECONDS) return "too_fast";
  const domain = emailDomain(input.email);
  const allowed = domainList(config.ALLOWED_EMAIL_DOMAINS);
  if (allowed.length && !allowed.includes(domain)) return "not_allowed_domain";
  if (domainList(config.BLOCKED_EMAIL_DOMAINS).includes(domain)) return "blocked_domain";
  try {
    await (input.ipHash.startsWith(EPHEMERAL_PREFIX) ? minimalIpLimiter() : ipLimiter()).consume(input.ipHash);
  } catch {
    return "ip_rate";
  }
  return null;
}

/** Limits e-mails to one address (resends, "already signed"); true when one may be sent. */
export async function mayMailAddress(key: string): Promise<boolean> {
  try {
    await addressLimiter().consume(crypto.createHash("sha256").update(key).digest("base64url"));
    return true;
  } catch {
    return false;
  }
}

export async function recordAbuse(kind: AbuseKind, appealId: number | null): Promise<void> {
  await getDb().insertInto("abuse_events").values({ kind, appeal_id: appealId }).execute();
}

/**
 * Sign-in mails (/login). Every request with a well-formed address counts, whether or not the
 * address belongs to an organizer, so the answer never tells which addresses do:
 * - per client (clientKey): LOGIN_LIMIT_PER_IP requests in LOGIN_WINDOW_S; past that, 429;
 * - per address (emailKey): LOGIN_LIMIT_PER_ADDRESS mails in LOGIN_WINDOW_S and four times that
 *   in a day; past that no new mail, and the page says a link was already sent — the links
 *   already sent keep working for their 15 minutes, so the organizer is never locked out by
 *   someone else asking for their address.
 * A request refused per client does not count against the address.
 */
export const LOGIN_WINDOW_S = 15 * 60;
export const LOGIN_DAY_S = 24 * 3600;

export type LoginAllowance = { ok: true } | { ok: false; limited: "client" | "address"; retryAfter: number };

function loginClientLimiter() {
  limiters.loginClient ??= newLimiter("login-client", { points: env().LOGIN_LIMIT_PER_IP, duration: LOGIN_WINDOW_S });
  return limiters.loginClient;
}
function loginAddressLimiters() {
  limiters.loginAddress ??= newLimiter("login-address", { points: env().LOGIN_LIMIT_PER_ADDRESS, duration: LOGIN_WINDOW_S });
  limiters.loginAddressDay ??= newLimiter("login-address-day", { points: env().LOGIN_LIMIT_PER_ADDRESS * 4, duration: LOGIN_DAY_S });
  return [limiters.loginAddress, limiters.loginAddressDay];
}

const seconds = (res: unknown) => (res instanceof RateLimiterRes ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : LOGIN_WINDOW_S);

/** Counts one sign-in request for `address` from `ip`; says whether a mail may be sent. */
export async function loginAllowance(address: string, ip: string): Promise<LoginAllowance> {
  try {
    await loginClientLimiter().consume(`login|${ipHash(ip)}`);
  } catch (res) {
    return { ok: false, limited: "client", retryAfter: seconds(res) };
  }
  const key = crypto
    .createHmac("sha256", env().SESSION_SECRET)
    .update(`login|${emailKey(address)}`)
    .digest("base64url");
  for (const limiter of loginAddressLimiters()) {
    try {
      await limiter.consume(key);
    } catch (res) {
      return { ok: false, limited: "address", retryAfter: seconds(res) };
    }
  }
  return { ok: true };
}

/**
 * Requests that cost a render or a parse every time and that nobody sends quickly by hand:
 * pages of the public list past the newest (`?after=` / `?before=`, never cached: a cursor is
 * any row) and /verify uploads. Past its budget a client (clientKey) is answered a plain 429
 * before any work is done (server/request-budget.ts); the newest page, served from the page
 * cache, and everything else stay open to it. A reader paging by hand makes a few pages a minute.
 * Sign-in requests (`loginRequests`) get one more than LOGIN_LIMIT_PER_IP: the login action
 * counts the same limit and answers the first refusal with the form and its reason; after that,
 * the plain page. (The server and the Remix build each load this module: in memory each counts its
 * own; with LIMITS_STORE=postgres they share the table, as every process does.)
 */
export const REQUEST_BUDGETS = {
  listPages: { points: 120, duration: 60 },
  verifyUploads: { points: 30, duration: 600 },
  // /verify/<code>/revocations and .p7s: each new (letter, count) decrypts a key and signs; cached after.
  revocationLists: { points: 60, duration: 60 },
} as const;
export type RequestBudget = keyof typeof REQUEST_BUDGETS | "loginRequests";

function budgetOptions(budget: RequestBudget) {
  return budget === "loginRequests" ? { points: env().LOGIN_LIMIT_PER_IP + 1, duration: LOGIN_WINDOW_S } : REQUEST_BUDGETS[budget];
}

/** Counts one such request; the seconds to wait when the client is past its budget (0: go on). */
export async function spendBudget(budget: RequestBudget, ip: string): Promise<number> {
  const options = budgetOptions(budget);
  limiters[budget] ??= newLimiter(`budget-${budget}`, options);
  try {
    await limiters[budget].consume(ipHash(ip));
    return 0;
  } catch (res) {
    return res instanceof RateLimiterRes ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : options.duration;
  }
}

/**
 * The in-memory limiter key of a client signing a minimal-data appeal (issue 14 point 2), in place
 * of ipHash: a keyed hash of the client (clientKey) under a random key this process makes and
 * replaces every hour, never written anywhere. Nothing IP-derived is stored for such an appeal, and
 * once the hour is over not even the server's secrets link a key to an address. (Its budget is
 * counted apart from ipHash's: a client gets SIGN_LIMIT_PER_IP for each kind of appeal.)
 */
let ephemeral = { until: 0, key: Buffer.alloc(0) };
export function ephemeralClientKey(ip: string, now = Date.now()): string {
  if (now >= ephemeral.until) ephemeral = { until: now + 3600_000, key: crypto.randomBytes(32) };
  return `${EPHEMERAL_PREFIX}${crypto.createHmac("sha256", ephemeral.key).update(clientKey(ip)).digest("base64url").slice(0, 22)}`;
}

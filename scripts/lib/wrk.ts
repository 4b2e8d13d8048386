/**
 * `wrk` (Debian's package, written in C) as the benches' load generator where the load itself
 * should cost little: on these 2-core machines autocannon, in JavaScript, took ~0.45 ms of CPU
 * per sign POST from the cores the app and PostgreSQL run on, while pgbench — the signing
 * ceiling's client — is C too. Run as a child process and awaited, so load sent from the bench's
 * own process (autocannon at a fixed rate) goes on meanwhile.
 */
import { spawn, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SLUG } from "./bench-load.js";

export interface WrkResult {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  /** Answers by status class (only counted when a Lua script counts them: wrkSign). */
  statuses: Record<string, number>;
  /** Non-2xx/3xx answers and socket errors. */
  errors: number;
  /** wrk's report as printed. */
  text: string;
}

export const haveWrk = () => !spawnSync("wrk", ["--version"]).error;

const ms = (m: RegExpExecArray | null) => (m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as "us" | "ms" | "s"] : NaN);

/** Runs wrk with `args` (one thread, `--latency`), awaited; parses its report. */
export async function wrk(args: string[]): Promise<WrkResult> {
  const child = spawn("wrk", ["-t1", "--latency", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (text += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // "close", not "exit": a process can exit before its output is read (a busy machine once gave an
  // empty report here), and "close" comes only once its output streams have ended too.
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (status !== 0) throw new Error(`wrk failed: ${stderr}`);
  // A report without a rate is no measurement (once seen in bench:pages as "p99 at 0/s NaN ms"): say what wrk said.
  if (!/Requests\/sec:/.test(text)) throw new Error(`wrk reported no rate:\n${text}${stderr}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const statuses = Object.fromEntries([...text.matchAll(/^status (\d)xx (\d+)$/gm)].map((m) => [`${m[1]}xx`, Number(m[2])]));
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0),
    total: Number(/(\d+) requests in/.exec(text)?.[1] ?? 0),
    p50: ms(/\s50%\s+([\d.]+)(us|ms|s)/.exec(text)),
    p99: ms(/\s99%\s+([\d.]+)(us|ms|s)/.exec(text)),
    statuses,
    errors: non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
    text,
  };
}

/**
 * Lua for wrk that paces requests to `rate` per second in all (wrk's `delay()` hook; the clock
 * is CLOCK_MONOTONIC through LuaJIT's ffi): request k is sent at start + k / rate, or at once when
 * late. So a latency is measured at a steady load (not at saturation, where it is only the length
 * of the queue), and the load is made by a C program in its own process, not by JavaScript
 * sharing an event loop with the bench's SMTP sink and its other load.
 */
export function pacingLua(rate: number): string {
  if (!(rate > 0)) return "";
  return `
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } appeals_timespec; int clock_gettime(int clk, appeals_timespec *tp); ]]
local clock = ffi.new("appeals_timespec")
local function now_ms() ffi.C.clock_gettime(1, clock); return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6 end
local paced_start = nil
local paced_sent = 0
delay = function()
  local t = now_ms()
  if not paced_start then paced_start = t end
  paced_sent = paced_sent + 1
  local wait = paced_start + paced_sent * ${1000 / rate} - t
  if wait < 0 then return 0 end
  return math.floor(wait)
end
`;
}

/** wrk with `connections` connections for `seconds`, paced to `rate` requests/s in all, a GET with `headers`. */
export async function wrkPaced(options: {
  url: string;
  rate: number;
  seconds: number;
  connections: number;
  headers: Record<string, string>;
}): Promise<WrkResult> {
  const headers = Object.entries(options.headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  return withScript(pacingLua(options.rate), (file) => wrk([`-c${options.connections}`, `-d${options.seconds}s`, ...headers, "-s", file, options.url]));
}

/** Runs `use` with `lua` written to a file of its own (wrk's `-s`), removed afterwards. */
async function withScript<T>(lua: string, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-wrk-"));
  try {
    const file = path.join(dir, "script.lua");
    await fs.writeFile(file, lua);
    return await use(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Signers wrkSign has made, across calls: each gets its own address and client IP. */
let signers = 0;

/**
 * Sign POSTs at saturation (or paced to `rate` per second) for `seconds`, the form as the bench's autocannon load sends it
 * (bench-load.ts signRequestFor): a new signer per request, from its own client IP. wrk's Lua
 * script builds each body and counts the answers by status class (a 303 is a stored signature).
 */
export async function wrkSign(options: {
  url: string;
  stamp: string;
  prefix: string;
  seconds: number;
  connections: number;
  rate?: number;
}): Promise<WrkResult> {
  const first = signers + 1;
  const form = (field: string, value: string) => `${field}=${encodeURIComponent(value)}`;
  const lua = `
local n = ${first - 1}
local name = "${form("name", "Айгерім Сейітқалиева")}"
local rest = "&${[form("city", "Қарағанды"), "country=KZ", "disclosure=public", "consent=on", form("stamp", options.stamp), "website="].join("&")}"
function setup(thread) table.insert(threads, thread) end
threads = {}
counts = { 0, 0, 0, 0, 0 }
last = n
request = function()
  n = n + 1
  last = n
  local body = name .. "+" .. n .. "&email=${options.prefix}-" .. n .. "%40bench.example.org" .. rest
  local ip = "10." .. (math.floor(n / 65536) % 256) .. "." .. (math.floor(n / 256) % 256) .. "." .. (n % 256)
  return wrk.format("POST", "/appeals/${SLUG}", { ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-For"] = ip, ["Accept-Language"] = "kk" }, body)
end
response = function(status, headers, body)
  local class = math.floor(status / 100)
  counts[class] = (counts[class] or 0) + 1
end
done = function(summary, latency, requests)
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for class = 1, 5 do io.write(string.format("status %dxx %d\\n", class, c[class] or 0)) end
    io.write(string.format("last signer %d\\n", t:get("last")))
  end
end
${pacingLua(options.rate ?? 0)}`;
  const result = await withScript(lua, (file) => wrk([`-c${options.connections}`, `-d${options.seconds}s`, "--timeout", "10s", "-s", file, options.url]));
  signers = Number(/^last signer (\d+)$/m.exec(result.text)?.[1] ?? first + result.total);
  return result;
}

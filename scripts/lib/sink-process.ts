/**
 * The benches' SMTP sink in a process of its own at a lower priority (nice 10).
 *
 * In production the SMTP relay is another machine; here it shares the two cores with the app and
 * PostgreSQL, and receiving a mail (smtp-server, in JavaScript) cost ~0.4 ms of CPU — about a
 * quarter of what the app spends to take the signature. In the bench's own process it also
 * shared one event loop with the bench's timers and load. So it runs here, niced: it takes the
 * cores when they are free, and yields them to the app and PostgreSQL when not. What the app
 * spends on a mail (rendering, composing, the SMTP client, the outbox's statements) is all
 * still counted. `startSinkProcess` starts it; this file is also the child's entry.
 */
import { fork, type ChildProcess } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { SmtpSink } from "../../tests/setup/smtp-sink.js";

type Ask = { id: number; ask: "received" | "confirmTokens" | "stop" };
type Answer = { id: number; value: unknown };

export interface SinkProcess {
  url: string;
  /** Mails received so far. */
  received: () => Promise<number>;
  /** The confirm link tokens of every mail received (parsed in the sink's process). */
  confirmTokens: () => Promise<string[]>;
  stop: () => Promise<void>;
}

export async function startSinkProcess(): Promise<SinkProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--child"], {
    // TypeScript through tsx, whoever starts it (the tsx CLI, vitest).
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { url?: string }) => (m.url ? resolve(m.url) : reject(new Error("the sink process did not start"))));
    child.once("exit", (code) => reject(new Error(`the sink process exited (${code})`)));
  });
  try {
    os.setPriority(child.pid!, 10);
  } catch {
    /* not permitted: it runs at normal priority */
  }
  let next = 0;
  let exited: Error | null = null;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on("message", (m: Answer) => pending.get(m.id)?.resolve(m.value));
  // A sink that dies fails what was asked of it (and what is asked later), instead of leaving the bench waiting.
  child.on("exit", (code) => {
    exited = new Error(`the sink process exited (${code})`);
    for (const { reject } of pending.values()) reject(exited);
    pending.clear();
  });
  const ask = <T>(what: Ask["ask"]) =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(exited);
      const id = ++next;
      pending.set(id, {
        resolve: (value) => {
          pending.delete(id);
          resolve(value as T);
        },
        reject,
      });
      child.send({ id, ask: what } satisfies Ask);
    });
  return {
    url,
    received: () => ask<number>("received"),
    confirmTokens: () => ask<string[]>("confirmTokens"),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      // The answer and the exit may come in either order; either way it has stopped.
      await ask("stop").catch(() => undefined);
      await gone;
    },
  };
}

async function child() {
  const sink = new SmtpSink({ parse: false });
  await sink.start();
  process.send!({ url: sink.url });
  process.on("message", (m: Ask) => {
    void (async () => {
      let value: unknown = null;
      if (m.ask === "received") value = sink.received;
      else if (m.ask === "confirmTokens") {
        await sink.parseReceived();
        value = sink.messages.map((mail) => /\/s\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1]).filter((t): t is string => Boolean(t));
      } else if (m.ask === "stop") await sink.stop();
      process.send!({ id: m.id, value } satisfies Answer, () => {
        if (m.ask === "stop") process.exit(0);
      });
    })();
  });
}

if (process.argv.includes("--child")) await child();

import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeThreadTime, threadTime } from "./thread-time";

describe("threadTime", () => {
  it.runIf(existsSync(`/proc/${process.pid}/task/${process.pid}/schedstat`))("measures this process's main thread running", () => {
    const stop = threadTime(process.pid);
    const until = performance.now() + 50;
    while (performance.now() < until) Math.sqrt(Math.random());
    const time = stop();
    expect(time).not.toBeNull();
    // Busy for 50 ms of wall time: most of it ran (or waited for a core, on a loaded machine).
    expect(time!.runMs + time!.waitMs).toBeGreaterThan(25);
    expect(time!.wallMs).toBeGreaterThanOrEqual(50);
    expect(describeThreadTime(time)).toMatch(/^ran \d+%, waited \d+%$/);
  });

  it("says nothing for a process that is not there", () => {
    expect(threadTime(2 ** 30)()).toBeNull();
    expect(describeThreadTime(null)).toBe("—");
  });
});

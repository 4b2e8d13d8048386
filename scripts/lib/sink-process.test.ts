import fs from "node:fs";
import nodemailer from "nodemailer";
import { describe, expect, it } from "vitest";
import { startSinkProcess } from "./sink-process";

describe("the benches' SMTP sink in its own process (scripts/lib/sink-process.ts)", () => {
  it("receives over SMTP, counts, hands back the confirm tokens, runs at nice 10, and stops", async () => {
    const sink = await startSinkProcess();
    try {
      const transport = nodemailer.createTransport({ url: sink.url });
      const token = "A".repeat(43);
      await transport.sendMail({ from: "a@example.org", to: "b@example.org", subject: "s", text: `https://x.example/s/confirm/${token}?lang=kk` });
      await transport.sendMail({ from: "a@example.org", to: "c@example.org", subject: "s", text: "no link" });
      transport.close();
      expect(await sink.received()).toBe(2);
      expect(await sink.confirmTokens()).toEqual([token]);
      const port = new URL(sink.url).port;
      // Its process (the one listening on the port) runs at nice 10: field 19 of /proc/<pid>/stat.
      const pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
      const niced = pids.some((pid) => {
        try {
          const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
          if (!cmd.includes("sink-process") || !cmd.includes("--child")) return false;
          const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
          return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16] === "10";
        } catch {
          return false;
        }
      });
      expect(port).toMatch(/^\d+$/);
      expect(niced).toBe(true);
    } finally {
      await sink.stop();
    }
  });
});

import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addAddressee, closeAppeal, createAppeal, publish, saveVersion } from "../app/services/appeals.server";
import { newOrganization } from "../tests/fixtures/organizers";
import "../tests/setup/vitest-db";

/**
 * `npm run text:check` as an operator (or a cron job) runs it, against this file's database:
 * "none found" and exit 0 when clean; one line per place and exit 1 while organizers can correct
 * one; exit 0 when what is left cannot be corrected; never an e-mail address.
 */
function textCheck(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("scripts/text-check.ts"), ...args], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        SESSION_SECRET: "text-check-test-secret-0123456789abcdef",
        SIGNING_KEY_SECRET: "signing-key-secret-for-tests-0123456789abcdef",
        DATA_KEY: process.env.DATA_KEY,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run text:check", () => {
  it("says none found and exits 0, lists the places and exits 1, then 0 once only uncorrectable ones are left", async () => {
    const clean = await textCheck();
    expect(clean.stderr).toBe("");
    expect(clean.stdout.trim()).toBe("none found");
    expect(clean.code).toBe(0);

    const owner = await newOrganization("Таза ауа");
    const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug: "taza-aua-fffd", originalLanguage: "kk", title: "Ашық хат" });
    await saveVersion(id, owner.userId, "kk", { title: "Ашық хат", summary: "", body: "Құрметті Төраға ханым! Біз сізге \uFFFDжазып отырмыз." });
    await addAddressee(id, owner.userId, "president@parliament.example", { kk: { name: "Төраға", position: "Төраға", institution: "Парламент" } });
    await publish(id, owner.userId, {});

    const found = await textCheck();
    expect(found.code).toBe(1);
    const lines = found.stdout.trim().split("\n");
    expect(lines).toEqual([
      `taza-aua-fffd (appeal ${id}, published)\tkk\tbody\tworking copy`,
      `taza-aua-fffd (appeal ${id}, published)\tkk\tbody\tpublished revision 1`,
      "U+FFFD in 2 place(s) of 1 appeal(s); 2 can be corrected (edit the text, publish a new revision)",
    ]);
    expect(found.stdout + found.stderr).not.toMatch(/@/);

    await closeAppeal(id, owner.userId);
    const closed = await textCheck();
    expect(closed.code).toBe(0);
    expect(closed.stdout).toContain("published revision 1\tcannot be corrected");
    expect(closed.stdout).toContain("0 can be corrected");
  }, 60_000);

  it("a bad argument exits 2 with one line", async () => {
    const bad = await textCheck("--everything");
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stdout).toBe("");
  });
});

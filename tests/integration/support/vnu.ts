import { spawn, spawnSync } from "node:child_process";
import path from "node:path";

/**
 * The W3C Nu Html Checker from the vnu-jar package, run with Debian's Java (default-jre-headless,
 * installed by .ci/run; vnu-jar's own Java download is denied in package.json's allowScripts).
 */
const VNU = path.resolve("node_modules/vnu-jar/build/dist/vnu.jar");

export interface VnuMessage {
  url: string;
  message: string;
  lastLine?: number;
  extract?: string;
}

/** Fails, never skips, where Java is missing: CI installs it. */
export function requireJava() {
  const probe = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "The HTML check needs Java to run the Nu Html Checker (node_modules/vnu-jar): install Debian's default-jre-headless " +
        "(`apt-get install -y default-jre-headless`; .ci/run does this where it is missing).",
    );
  }
}

const field = (m: object, key: string): unknown => Reflect.get(m, key);

/** Runs vnu once over every file (one JVM start); returns its errors. */
export function validate(files: string[]): Promise<VnuMessage[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("java", ["-Xss4m", "-jar", VNU, "--format", "json", "--errors-only", ...files], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(out);
      } catch {
        return reject(new Error(`vnu did not answer JSON:\n${out.slice(0, 2000)}`));
      }
      const messages = typeof parsed === "object" && parsed !== null ? field(parsed, "messages") : undefined;
      if (!Array.isArray(messages)) return reject(new Error(`vnu answered no messages:\n${out.slice(0, 2000)}`));
      resolve(
        messages.map((m: unknown) => {
          const o = typeof m === "object" && m !== null ? m : {};
          const lastLine = field(o, "lastLine");
          const extract = field(o, "extract");
          return {
            url: String(field(o, "url") ?? ""),
            message: String(field(o, "message") ?? JSON.stringify(m)),
            lastLine: typeof lastLine === "number" ? lastLine : undefined,
            extract: typeof extract === "string" ? extract : undefined,
          };
        }),
      );
    });
  });
}

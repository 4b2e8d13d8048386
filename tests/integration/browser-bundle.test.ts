import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildIfNeeded } from "../../server/build-if-needed.js";
import { emails } from "../../app/i18n/messages/emails.server";

/**
 * What a visitor's browser downloads. Reads the production build (`remix build`, which
 * `npm test` runs first; built here when missing or stale) and follows every JavaScript file a
 * public page loads: the client entry, the root route, the page's route and their static
 * imports. Public pages carry no zod (455 KB raw, and its `new Function` probe breaks the CSP)
 * and stay under a budget.
 *
 * Budget, from measurement (production build, raw bytes): the appeal page loaded 882 KB with
 * zod and 437 KB without it (118 KB gzipped). The floor of every page is React, React DOM and
 * Remix (265 KB) and the UI strings of all three languages: 224 KB by December 2026 while esbuild
 * wrote Cyrillic as \u escapes (6 bytes a letter), 112 KB as UTF-8 (the .dev patch of
 * @remix-run/dev sets esbuild's `charset: "utf8"`; module scripts are always read as UTF-8).
 * 500 KB leaves room for more strings and features, not for another library of zod's size.
 */
const BUDGET_BYTES = 500 * 1024;
const PUBLIC_BUILD = path.resolve("public/build");

interface ManifestRoute {
  id: string;
  parentId?: string;
  module: string;
  imports?: string[];
}
interface Manifest {
  entry: { module: string; imports?: string[] };
  routes: Record<string, ManifestRoute>;
}

function readManifest(): Manifest {
  const file = readdirSync(PUBLIC_BUILD).find((f) => /^manifest-[0-9A-Z]+\.js$/.test(f));
  if (!file) throw new Error(`no manifest in ${PUBLIC_BUILD}: run \`remix build\``);
  const source = readFileSync(path.join(PUBLIC_BUILD, file), "utf8");
  const json = source.replace(/^window\.__remixManifest=/, "").replace(/;\s*$/, "");
  return JSON.parse(json) as Manifest;
}

const onDisk = (url: string) => path.join(PUBLIC_BUILD, url.replace(/^\/build\//, ""));

/** Every file loaded to show this route: its chain of parents, the entry and all static imports. */
function filesOf(manifest: Manifest, routeId: string): Set<string> {
  const start: string[] = [manifest.entry.module, ...(manifest.entry.imports ?? [])];
  for (let route: ManifestRoute | undefined = manifest.routes[routeId]; route; route = route.parentId ? manifest.routes[route.parentId] : undefined) {
    start.push(route.module, ...(route.imports ?? []));
  }
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length) {
    const url = queue.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const code = readFileSync(onDisk(url), "utf8");
    for (const m of code.matchAll(/(?:from|import)\s*["'](\/build\/[^"']+\.js)["']/g)) queue.push(m[1]!);
  }
  return seen;
}

/** zod's own class names survive minification (it names its classes with strings). */
const ZOD_MARKERS = ["ZodObject", "$ZodType", "ZodError"];

/** The public pages: everything but the organizers' dashboard, the dev mailbox and resource routes. */
function publicRoutes(manifest: Manifest): string[] {
  return Object.values(manifest.routes)
    .filter((r) => r.id !== "root" && !/^routes\/(dashboard|dev\.)/.test(r.id))
    .map((r) => r.id);
}

describe("the JavaScript of public pages", () => {
  let manifest: Manifest;

  beforeAll(() => {
    buildIfNeeded(() => undefined);
    manifest = readManifest();
  }, 180_000);

  it("the appeal page loads no zod and stays under the budget", () => {
    const files = [...filesOf(manifest, "routes/appeals.$slug")];
    const bytes = files.reduce((sum, f) => sum + statSync(onDisk(f)).size, 0);
    const withZod = files.filter((f) => ZOD_MARKERS.some((m) => readFileSync(onDisk(f), "utf8").includes(m)));
    expect(withZod, "files with zod in them").toEqual([]);
    expect(bytes, `${files.length} files, ${(bytes / 1024).toFixed(0)} KB`).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("no public page loads zod or goes over the budget", () => {
    const routes = publicRoutes(manifest);
    expect(routes).toContain("routes/login");
    expect(routes).toContain("routes/my-data");
    const problems: string[] = [];
    for (const id of routes) {
      const files = [...filesOf(manifest, id)];
      const bytes = files.reduce((sum, f) => sum + statSync(onDisk(f)).size, 0);
      if (bytes > BUDGET_BYTES) problems.push(`${id}: ${(bytes / 1024).toFixed(0)} KB`);
      const zod = files.filter((f) => ZOD_MARKERS.some((m) => readFileSync(onDisk(f), "utf8").includes(m)));
      if (zod.length) problems.push(`${id}: zod in ${zod.join(", ")}`);
    }
    expect(problems).toEqual([]);
  });

  it("carries Cyrillic as UTF-8, not as \\u escapes three times its size", () => {
    const files = [...filesOf(manifest, "routes/appeals.$slug")].map((f) => readFileSync(onDisk(f), "utf8"));
    const escaped = files.reduce((n, text) => n + (text.match(/\\u04[0-9a-f]{2}/gi)?.length ?? 0), 0);
    expect(escaped, "Cyrillic letters written as \\u04xx").toBeLessThan(50);
    expect(files.some((text) => text.includes("Подписать обращение"))).toBe(true);
  });

  it("no page, the dashboard included, constructs zod schemas in the browser", () => {
    // zod 4 probes `new Function` when it builds an object schema, a CSP violation in the console.
    const withZod = Object.keys(manifest.routes).filter((id) =>
      [...filesOf(manifest, id)].some((f) => ZOD_MARKERS.some((m) => readFileSync(onDisk(f), "utf8").includes(m))),
    );
    expect(withZod).toEqual([]);
  });

  it("carries no e-mail's words: they are a server-only dictionary", () => {
    // Every e-mail key, and every long sentence of an e-mail (shorter ones, such as a button's
    // label, may be the interface's words too).
    const words = [
      ...Object.keys(emails.en),
      ...Object.values(emails).flatMap((d) => Object.values(d).flatMap((v) => v.split(/\{\w+\}/).filter((p) => p.trim().length >= 40))),
    ];
    const found: string[] = [];
    for (const file of new Set(Object.keys(manifest.routes).flatMap((id) => [...filesOf(manifest, id)]))) {
      const code = readFileSync(onDisk(file), "utf8");
      found.push(...words.filter((w) => code.includes(w)).map((w) => `${file}: ${w}`));
    }
    expect(found).toEqual([]);
  });
});

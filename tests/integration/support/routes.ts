import { readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";

/** Route ids as Remix's flat routes name them: files without extension, folders by name. */
export function routeModules(): string[] {
  const dir = path.resolve("app/routes");
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() || (/\.(tsx?|jsx?)$/.test(e.name) && !/\.test\.(tsx?|jsx?)$/.test(e.name)))
    .map((e) => (e.isDirectory() ? e.name : e.name.replace(/\.(tsx?|jsx?)$/, "")));
}

/** A matrix covers every route module (a new route without a row fails), and no route that is gone. */
export function expectRowPerRoute(rows: ReadonlyArray<{ route: string }>) {
  const modules = routeModules();
  const covered = new Set(rows.map((r) => r.route));
  expect(
    modules.filter((m) => !covered.has(m)),
    "route modules without a row",
  ).toEqual([]);
  expect(
    [...covered].filter((r) => !modules.includes(r)),
    "rows for no route module",
  ).toEqual([]);
}

// `npm run lint` runs this (then `prettier --check .`); `npm test` runs `npm run lint` first.
// Formatting is Prettier's job (.prettierrc.json): no stylistic rules here.
import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

/**
 * Dependencies run one way: scripts/ → server/ (and server.ts) → app/ → db/.
 * emails/ is a server-only library beside app/services: the services import it (nothing else in
 * app/ does, so no template reaches the browser bundle), and it imports db/ and app's leaves
 * (i18n, data, utils, schemas), never a service, route, component or server code. Within app/: routes and components → services → utils, i18n,
 * schemas, data. Tests (*.test.ts, tests/) sit outside the order and may import any layer.
 * Each zone: files under `target` may not import files under `from` (paths as resolved,
 * so "~/…" and "../…" count alike, and type-only imports count too).
 */
const layers = [
  {
    target: "db",
    from: ["emails", "server", "server.ts", "scripts"],
    message: "db/ is the bottom layer: it imports no app/, emails/, server/ or scripts/ code.",
  },
  // One exception: the data key (encryption at rest), so the outbox's writers and the migrations
  // that seal existing rows store values sealed, whoever calls them.
  {
    target: "db",
    from: "app",
    except: ["./services/data-key.server.ts"],
    message: "db/ is the bottom layer: it imports no app/ code but app/services/data-key.server.ts.",
  },
  { target: "app", from: ["server", "server.ts", "scripts"], message: "app/ may not import server/ or scripts/ (scripts → server → app → db)." },
  { target: "server", from: ["scripts"], message: "server/ may not import scripts/ (scripts → server → app → db)." },
  { target: "server.ts", from: ["scripts"], message: "server.ts may not import scripts/ (scripts → server → app → db)." },
  {
    target: "emails",
    from: [
      "server",
      "server.ts",
      "scripts",
      "app/services",
      "app/routes",
      "app/components",
      "app/pdf",
      "app/root.tsx",
      "app/entry.server.tsx",
      "app/entry.client.tsx",
    ],
    message: "emails/ is used by app/services; it imports db/ and app's leaves (i18n, data, utils, schemas), no service, route, component or server code.",
  },
  {
    target: [
      "app/routes",
      "app/components",
      "app/utils",
      "app/i18n",
      "app/schemas",
      "app/pdf",
      "app/data",
      "app/root.tsx",
      "app/entry.server.tsx",
      "app/entry.client.tsx",
    ],
    from: ["emails"],
    message: "Only app/services import emails/ (server-only; keeps templates out of the browser bundle).",
  },
  { target: "app/utils", from: ["app/services"], message: "app/utils are helpers the services use: they may not import app/services." },
  {
    target: "app/services",
    from: ["app/routes", "app/components", "app/root.tsx"],
    message: "app/services may not import routes or components (routes → services).",
  },
];

const layerRule = (zones) => ["error", { zones }];

export default tseslint.config(
  {
    ignores: ["build/", "public/build/", ".cache/", ".data/", "test-results/", "playwright-report/", "tests/.artifacts/", "node_modules/"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { "import-x": importX },
    settings: {
      // import-x reads .ts/.tsx modules (for no-cycle) with typescript-eslint's parser, and
      // resolves "~/…" and extensionless paths as tsconfig.json does.
      "import-x/extensions": [".ts", ".tsx", ".js", ".jsx"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] },
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      // `typeof import("node:fs")` stays allowed: vitest's importOriginal<…>() is typed that way.
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
      "@typescript-eslint/no-explicit-any": "error",
      // A leading underscore marks what is left unused on purpose (a rest sibling, an Express error handler's `next`).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Control characters in patterns are the point: inputs, headers and file names are cleaned of them.
      "no-control-regex": "off",
      // `let server` in server.ts is read by the shutdown handler declared before it is assigned.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": layerRule(layers),
    },
  },
  {
    files: ["**/*.{ts,tsx,mjs}"],
    rules: {
      // tsc reports undefined names itself (the .mjs files are checked too: tsconfig.json, // @ts-check), and knows the DOM and Node globals.
      "no-undef": "off",
    },
  },
  {
    files: ["app/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    // Migrations are frozen files written against Kysely<any>: they must not depend on today's schema.
    files: ["db/migrations/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Playwright fixtures that use no other fixture are written `async ({}, use) => …`.
    files: ["tests/e2e/**"],
    rules: { "no-empty-pattern": "off" },
  },
  {
    // Tests sit beside what they test and may reach any layer (a route from a service's test).
    files: ["**/*.test.{ts,tsx}", "tests/**"],
    rules: { "import-x/no-restricted-paths": "off" },
  },
);

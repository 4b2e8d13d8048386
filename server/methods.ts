import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { matchRoutes } from "@remix-run/react";
import type { NextFunction, Request, Response } from "express";
import { plainErrorPage, plainLang } from "./plain-error-page.js";

/**
 * The one home of HTTP methods: which methods each address answers, for every kind of address —
 * Remix routes (read from the server build: a route that renders or has a loader is read with
 * GET and HEAD, one with an action takes POST), the server's own /healthz, and the files in
 * public/ (with /build). OPTIONS answers 204 with that list in `Allow` (a route that declares
 * `handle.cors` adds its CORS headers: the JSON API's preflight); any other method — PUT,
 * DELETE, PATCH, TRACE, or GET on a route that only takes forms — is a 405 with the same
 * `Allow` and a short page in the reader's language, before anything else reads the request.
 * Remix never sees a method its route does not take (it would run an action for PUT and
 * DELETE, and the fetch Request it builds refuses TRACE with an exception: a 500).
 */

export type Method = "GET" | "HEAD" | "POST" | "OPTIONS";

interface ManifestRoute {
  id: string;
  parentId?: string;
  path?: string;
  index?: boolean;
  caseSensitive?: boolean;
  module: ServerBuild["routes"][string]["module"];
}

type Node =
  | { id: string; path?: string; index: true; children?: undefined; route: ManifestRoute }
  | { id: string; path?: string; index?: false; caseSensitive?: boolean; children: Node[]; route: ManifestRoute };

type Matches = ReturnType<typeof matchRoutes<Node>>;

interface Table {
  routes: Node[];
  byId: Map<string, ManifestRoute>;
  /** matchRoutes ranks every route on each call (~0.1 ms): its answers, by path, kept. */
  matched: Map<string, Matches>;
}

const MATCHES_KEPT = 5000;

/** Remix's route tree (as @remix-run/server-runtime builds it from the manifest), for matching. */
function tableOf(build: ServerBuild): Table {
  const all = Object.values(build.routes);
  const children = (parentId: string | undefined): Node[] =>
    all
      .filter((r) => (r.parentId ?? "") === (parentId ?? ""))
      .map((r) =>
        r.index
          ? { id: r.id, path: r.path, index: true as const, route: r }
          : { id: r.id, path: r.path, caseSensitive: r.caseSensitive, children: children(r.id), route: r },
      );
  return { routes: children(undefined), byId: new Map(all.map((r) => [r.id, r])), matched: new Map() };
}

const tables = new WeakMap<ServerBuild, Table>();
function table(build: ServerBuild): Table {
  let t = tables.get(build);
  if (!t) {
    t = tableOf(build);
    tables.set(build, t);
  }
  return t;
}

const readable = (route: ManifestRoute) => Boolean(route.module.loader || route.module.default);

/** The methods a Remix route answers at this URL, or null when no route matches. */
export function remixMethods(build: ServerBuild, url: URL): { methods: Method[]; target: ManifestRoute } | null {
  const { routes, byId, matched } = table(build);
  let matches = matched.get(url.pathname);
  if (matches === undefined) {
    matches = matchRoutes(routes, url.pathname);
    if (matched.size >= MATCHES_KEPT) matched.clear();
    matched.set(url.pathname, matches);
  }
  const leaf = matches?.[matches.length - 1]?.route;
  if (!matches || !leaf) return null;
  let reader = leaf.route;
  let writer = leaf.route;
  // Data requests from Remix's browser runtime name their route (?_data=routes/…).
  const dataRoute = url.searchParams.get("_data");
  const named = dataRoute ? byId.get(dataRoute) : undefined;
  if (named && matches.some((m) => m.route.id === named.id)) {
    reader = named;
    writer = named;
  } else if (leaf.route.module.default) {
    // A page's form posts go to the deepest route with a path of its own, unless ?index names
    // the index route (as React Router's getTargetMatch decides).
    const naked = url.searchParams.getAll("index").some((v) => v === "");
    if (!(leaf.index && naked)) {
      const contributing = matches.filter((m, i) => i === 0 || (m.route.path ?? "").length > 0);
      writer = contributing[contributing.length - 1]?.route.route ?? leaf.route;
    }
  }
  const methods: Method[] = [];
  if (readable(reader)) methods.push("GET", "HEAD");
  if (writer.module.action) methods.push("POST");
  methods.push("OPTIONS");
  return { methods, target: leaf.route };
}

/** A file express.static would serve from public/ (or public/build). */
function isPublicFile(publicDir: string, pathname: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  const file = path.join(publicDir, path.normalize(decoded));
  if (!file.startsWith(publicDir + path.sep)) return false;
  try {
    return existsSync(file) && statSync(file).isFile();
  } catch {
    return false;
  }
}

function corsOf(route: ManifestRoute | undefined): Record<string, string> {
  const handle: unknown = route?.module.handle;
  if (typeof handle !== "object" || handle === null || !("cors" in handle)) return {};
  const cors: unknown = handle.cors;
  if (typeof cors !== "object" || cors === null) return {};
  return Object.fromEntries(Object.entries(cors).filter((e): e is [string, string] => typeof e[1] === "string"));
}

export interface Allowed {
  methods: Method[];
  /** Headers every answer of this address carries (CORS), for the answers given here. */
  headers: Record<string, string>;
}

const readOnly: Method[] = ["GET", "HEAD", "OPTIONS"];

/** The server's own addresses, answered without the Remix build (/healthz must answer even when the build cannot load). */
function ownMethods(pathname: string): Allowed | null {
  return pathname === "/healthz" ? { methods: readOnly, headers: {} } : null;
}

/** What `req` may do at its address: express's own routes, public files, then Remix's routes. */
export function allowedMethods(build: ServerBuild, pathname: string, search: string, publicDir: string): Allowed {
  const own = ownMethods(pathname);
  if (own) return own;
  const url = new URL(`http://x${pathname}${search}`);
  const remix = remixMethods(build, url);
  if (!remix) return { methods: readOnly, headers: {} };
  // Remix's catch-all ($) takes every address it does not know; a file in public/ is served first.
  const splat = remix.target.path === "*";
  if (splat && remix.methods.join() !== readOnly.join() && isPublicFile(publicDir, pathname)) return { methods: readOnly, headers: {} };
  return { methods: remix.methods, headers: corsOf(remix.target) };
}

/**
 * Express middleware: passes on a method the address answers, answers OPTIONS itself, and
 * refuses any other method with 405 and `Allow`. Put it before every route and static folder.
 */
export function methodGuard(options: { build: ServerBuild | (() => Promise<ServerBuild>); publicDir?: string }) {
  const publicDir = path.resolve(options.publicDir ?? "public");
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const search = req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?")) : "";
      const allowed =
        ownMethods(req.path) ?? allowedMethods(typeof options.build === "function" ? await options.build() : options.build, req.path, search, publicDir);
      const method = req.method.toUpperCase();
      if (method !== "OPTIONS" && allowed.methods.some((m) => m === method)) return next();
      const allow = allowed.methods.join(", ");
      res.set({ ...allowed.headers, Allow: allow });
      if (method === "OPTIONS") {
        res.status(204).set("Cache-Control", "no-store").end();
        return;
      }
      res
        .status(405)
        .set("Cache-Control", "no-store")
        .type("html")
        .send(plainErrorPage(plainLang(req), 405));
    } catch (error) {
      next(error);
    }
  };
}

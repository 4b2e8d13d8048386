/**
 * The page ceiling of `npm run bench:pages`: a bare `node:http` server that answers each
 * recorded request (path and Accept-Language) with the recorded status, headers and bytes, as
 * fast as Node can send them. Run as its own process (like the app), given the recordings' JSON
 * file; prints its port on stdout.
 */
import { readFileSync } from "node:fs";
import http from "node:http";

interface Recording {
  path: string;
  lang: string;
  status: number;
  headers: Record<string, string>;
  body: string; // base64
}

const recordings = new Map<string, { status: number; headers: Record<string, string>; body: Buffer }>();
for (const r of JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Recording[])
  recordings.set(`${r.lang}|${r.path}`, { status: r.status, headers: r.headers, body: Buffer.from(r.body, "base64") });

const server = http.createServer((req, res) => {
  const hit = recordings.get(`${req.headers["accept-language"] ?? ""}|${req.url ?? "/"}`);
  if (!hit) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(hit.status, { ...hit.headers, "content-length": hit.body.length });
  res.end(hit.body);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(typeof address === "object" && address ? address.port : 0);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A local RFC 3161 time-stamp authority for tests: `openssl ts -reply` behind an HTTP server on
 * 127.0.0.1, with its own root and a TSA certificate (extendedKeyUsage critical timeStamping).
 * `answer` switches it to failing (503) or answering garbage; `requests` counts what it was asked.
 */
export interface LocalTsa {
  url: string;
  /** The TSA's root (PEM) and its own certificate (PEM), for `openssl ts -verify`. */
  rootPem: string;
  tsaPem: string;
  answer: "openssl" | "garbage" | "error";
  requests: number;
  stop: () => Promise<void>;
}

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
}

export async function startLocalTsa(): Promise<LocalTsa> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsa-"));
  const at = (name: string) => path.join(tmp, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", at("root.key"), "-out", at("root.pem"), "-subj", "/CN=Test TSA Root", "-days", "30");
  openssl("req", "-new", ...ec, "-keyout", at("tsa.key"), "-out", at("tsa.csr"), "-subj", "/CN=Test TSA");
  fs.writeFileSync(at("tsa.ext"), "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n");
  openssl(
    "x509",
    "-req",
    "-in",
    at("tsa.csr"),
    "-CA",
    at("root.pem"),
    "-CAkey",
    at("root.key"),
    "-CAcreateserial",
    "-out",
    at("tsa.pem"),
    "-days",
    "30",
    "-extfile",
    at("tsa.ext"),
  );
  fs.writeFileSync(
    at("tsa.cnf"),
    [
      "[tsa]",
      "default_tsa = local",
      "[local]",
      `dir = ${tmp}`,
      "serial = $dir/tsa.serial",
      "signer_cert = $dir/tsa.pem",
      "certs = $dir/tsa.pem",
      "signer_key = $dir/tsa.key",
      "signer_digest = sha256",
      "default_policy = 1.3.6.1.4.1.99999.1",
      "digests = sha256",
      "accuracy = secs:1",
      "ordering = no",
      "tsa_name = yes",
      "ess_cert_id_chain = no",
      "ess_cert_id_alg = sha256",
      "",
    ].join("\n"),
  );
  fs.writeFileSync(at("tsa.serial"), "01\n");

  const tsa: LocalTsa = {
    url: "",
    rootPem: at("root.pem"),
    tsaPem: at("tsa.pem"),
    answer: "openssl",
    requests: 0,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const n = ++tsa.requests;
      if (tsa.answer === "error") return void res.writeHead(503).end();
      if (tsa.answer === "garbage") return void res.writeHead(200, { "Content-Type": "application/timestamp-reply" }).end("not a reply");
      const query = at(`q${n}.tsq`);
      const reply = at(`r${n}.tsr`);
      fs.writeFileSync(query, Buffer.concat(chunks));
      run("openssl", ["ts", "-reply", "-config", at("tsa.cnf"), "-queryfile", query, "-out", reply]).then(
        () => res.writeHead(200, { "Content-Type": "application/timestamp-reply" }).end(fs.readFileSync(reply)),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the TSA server has no port");
  tsa.url = `http://127.0.0.1:${address.port}/tsa`;
  return tsa;
}

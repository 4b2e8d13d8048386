/**
 * `npm run verify -- <letter.pdf> [--receipt <code>] [--earlier <letter.pdf>] [--fingerprint <hex>]`
 * Checks a delivered letter with no database and no network (docs/verification.md §4): its PAdES
 * signature over the whole file, the embedded ledger against the tree size and root it states,
 * the signatory list against the ledger, a signer's receipt, and that it extends an earlier letter.
 * Prints what held and one line per failure ("FAIL …"); exit 0 only when everything holds, 1 when
 * a check fails, 2 for a bad argument.
 */
import { parseArgs } from "node:util";
import { fileSource, type ByteSource } from "../app/verify/pdf-reader.server.js";
import { normalizeFingerprint, verifyLetter } from "../app/verify/verify-letter.server.js";
import { fail } from "./lib/cli.js";

// `npm run verify -- letter.pdf | head`: a reader who stops reading is not an error worth a trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const usage = "Usage: npm run verify -- <letter.pdf> [--receipt <code>] [--earlier <letter.pdf>] [--fingerprint <sha-256 hex>]";

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    options: { receipt: { type: "string" }, earlier: { type: "string" }, fingerprint: { type: "string" } },
    strict: true,
    allowPositionals: true,
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), usage);
}
const { values, positionals } = parsed;
if (positionals.length !== 1 || !positionals[0]) fail(positionals.length ? "give one letter" : "missing the letter's file", usage);
const letterPath = positionals[0];
if (values.fingerprint !== undefined && !normalizeFingerprint(values.fingerprint))
  fail("--fingerprint is not a SHA-256 fingerprint (64 hex digits, colons allowed)", usage);

async function open(path: string, what: string): Promise<ByteSource> {
  try {
    return await fileSource(path);
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    console.log(`FAIL ${what}: cannot read ${path}${code === "ENOENT" ? " (no such file)" : code === "EISDIR" ? " (a directory)" : code ? ` (${code})` : ""}`);
    process.exit(1);
  }
}

const source = await open(letterPath, "letter");
const earlier = values.earlier ? await open(values.earlier, "earlier letter") : undefined;
try {
  const report = await verifyLetter(source, { receipt: values.receipt, earlier, fingerprint: values.fingerprint });
  const { facts } = report;
  console.log(`Letter ${letterPath}${facts.code ? `, code ${facts.code}` : ""}`);
  if (facts.fileSha256) console.log(`  file SHA-256: ${facts.fileSha256} (/verify/<code> shows the one we delivered)`);
  if (facts.ledger) console.log(`  states its signatory ledger: ${facts.ledger.size} entries, root ${facts.ledger.root}`);
  if (facts.signer) {
    console.log(`  signed by: ${facts.signer.subject}`);
    console.log(`  certificate SHA-256 fingerprint: ${facts.signer.fingerprint}`);
    if (values.fingerprint === undefined) console.log("  (compare it with the fingerprint /verify and the delivery e-mail show, or pass --fingerprint)");
  }
  if (facts.signedAt) console.log(`  signing time claimed by the signer: ${facts.signedAt}`);
  for (const line of report.held) console.log(`ok   ${line}`);
  for (const line of report.failures) console.log(`FAIL ${line}`);
  if (report.failures.length === 0) console.log(`VALID: all ${report.held.length} checks held.`);
  else console.log(`NOT VALID: ${report.failures.length} check${report.failures.length === 1 ? "" : "s"} failed, ${report.held.length} held.`);
  process.exitCode = report.failures.length === 0 ? 0 : 1;
} catch (error) {
  // verifyLetter reports every expected problem as a line; this is a bug, still one line.
  console.log(`FAIL the verifier stopped unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await source.close();
  await earlier?.close();
}

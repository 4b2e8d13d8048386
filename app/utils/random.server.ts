import crypto from "node:crypto";

/**
 * Random bytes from the operating system's CSPRNG, drawn 4 KiB at a time. `crypto.randomBytes`
 * costs about 5 µs a call however few bytes it returns (a job object and a trip into OpenSSL);
 * a signature asks for about seven values (three tokens, three IVs, the CSP nonce), which under
 * bench:sign made `randomFillSync` the busiest single function of the request thread (issue 16).
 * Node's own `crypto.randomUUID` caches its entropy the same way.
 *
 * Each byte is handed out once: it is copied out and the pool's copy zeroed at once, so nothing
 * already given stays in memory here. The pool belongs to one module instance (one per thread);
 * processes never share it (node:cluster starts each from scratch, there is no fork()).
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let offset = POOL_SIZE;

export function randomBytes(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`randomBytes: invalid size ${size}`);
  // The pool is for the many small values a request needs; anything larger goes to the CSPRNG directly.
  if (size > 256) return crypto.randomBytes(size);
  if (offset + size > POOL_SIZE) {
    crypto.randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}

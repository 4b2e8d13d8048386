/** Load for the benchmarks: autocannon as a promise, and the sign form's requests (one new signer each). */
import autocannon, { type Result } from "autocannon";

export const SLUG = "demo-appeal";

export function randomIp(i: number) {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

export function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** Signers made so far, across every phase and arm: each gets its own address and client IP. */
let counter = 0;

/** The form's request for autocannon: a new signer per request, from its own address. */
export function signRequestFor(stamp: string, prefix: string) {
  return {
    method: "POST" as const,
    path: `/appeals/${SLUG}`,
    setupRequest: (req: autocannon.Request) => {
      counter++;
      const body = new URLSearchParams({
        name: `Айгерім Сейітқалиева ${counter}`,
        email: `${prefix}-${counter}@bench.example.org`,
        city: "Қарағанды",
        country: "KZ",
        disclosure: "public",
        consent: "on",
        stamp,
        website: "",
      }).toString();
      return {
        ...req,
        body,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": randomIp(counter), "accept-language": "kk" },
      };
    },
  };
}

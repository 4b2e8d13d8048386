/** Verification codes printed on letters. */
// Crockford base32 without I, L, O, U: unambiguous when typed from paper.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A verification code like "7K3Q-9XWD-M2PA" (60 random bits). */
export function newVerificationCode(random: (n: number) => Buffer): string {
  const bytes = random(12);
  let out = "";
  for (let i = 0; i < 12; i++) out += ALPHABET[bytes[i]! & 31];
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8, 12)}`;
}

export function normaliseCode(input: string): string {
  const clean = input
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  return clean.length === 12 ? `${clean.slice(0, 4)}-${clean.slice(4, 8)}-${clean.slice(8, 12)}` : "";
}

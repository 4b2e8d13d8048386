import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { LetterFormat } from "../pdf/format";
import { decodeLeaf, encodeLeaf, leafFieldsOf, leafHash, newSalt, SALT_SIZE, utcDay, type LeafFields } from "./leaf";
import { consistencyProof, inclusionProof, treeRoot, verifyConsistency, verifyInclusion } from "./merkle";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const salt = (start: number) => Uint8Array.from({ length: SALT_SIZE }, (_, i) => (start + i) & 0xff);

/* The vectors of docs/verification.md ("Test vectors"); a change here is a change of the format. */
const SIGNERS: Array<[LeafFields, Uint8Array]> = [
  [{ name: "Aigerim Seitkali", city: "Almaty", country: "KZ", organization: null, position: null, confirmed: "2026-03-05", revision: 1 }, salt(0x00)],
  [{ name: "Алексей Петров", city: "Москва", country: "RU", organization: "Мемориал", position: "юрист", confirmed: "2026-03-05", revision: 1 }, salt(0x20)],
  [{ name: "Jane Doe", city: null, country: null, organization: null, position: null, confirmed: "2026-03-06", revision: 2 }, salt(0x40)],
];
const VECTORS = {
  leaves: [
    "01000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000000104169676572696d20536569746b616c6900000006416c6d617479000000024b5a00000000000000000000000a323032362d30332d30350000000131",
    "01202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f0000001bd090d0bbd0b5d0bad181d0b5d0b920d09fd0b5d182d180d0bed0b20000000cd09cd0bed181d0bad0b2d0b000000002525500000010d09cd0b5d0bcd0bed180d0b8d0b0d0bb0000000ad18ed180d0b8d181d1820000000a323032362d30332d30350000000131",
    "01404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f000000084a616e6520446f65000000000000000000000000000000000000000a323032362d30332d30360000000132",
  ],
  leafHashes: [
    "714aab0d477a782e9682c272929a34945f185eafa9c1406f8e18aa243d72ef7f",
    "b016ae06c18d1617892d91e9e372d6373e0f0366fc81960415b9e6add9728910",
    "f3e551437b5f9103b490a57621f405b830cf1bbe5247e62f886f553486eeec56",
  ],
  roots: [
    "714aab0d477a782e9682c272929a34945f185eafa9c1406f8e18aa243d72ef7f",
    "6d91c65a1b8f219e0fb445ae478024a3cb07af75b3e0bab4761d604a60b71cf9",
    "ecef18e655448ebd2dc0088f12ebd6ef0ea2ee5ab8681835d388e92ec278bd65",
  ],
  inclusion: [
    ["b016ae06c18d1617892d91e9e372d6373e0f0366fc81960415b9e6add9728910", "f3e551437b5f9103b490a57621f405b830cf1bbe5247e62f886f553486eeec56"],
    ["714aab0d477a782e9682c272929a34945f185eafa9c1406f8e18aa243d72ef7f", "f3e551437b5f9103b490a57621f405b830cf1bbe5247e62f886f553486eeec56"],
    ["6d91c65a1b8f219e0fb445ae478024a3cb07af75b3e0bab4761d604a60b71cf9"],
  ],
  consistency1to3: ["b016ae06c18d1617892d91e9e372d6373e0f0366fc81960415b9e6add9728910", "f3e551437b5f9103b490a57621f405b830cf1bbe5247e62f886f553486eeec56"],
  consistency2to3: ["f3e551437b5f9103b490a57621f405b830cf1bbe5247e62f886f553486eeec56"],
};

const base = SIGNERS[0]?.[0] as LeafFields;
const baseSalt = SIGNERS[0]?.[1] as Uint8Array;
const hashOf = (f: Partial<LeafFields>, s = baseSalt) => hex(leafHash({ ...base, ...f }, s));

describe("the leaf encoding (version 1)", () => {
  it("gives the documented bytes, leaf hashes, roots and proofs", () => {
    const hashes = SIGNERS.map(([f, s]) => leafHash(f, s));
    expect(SIGNERS.map(([f, s]) => hex(encodeLeaf(f, s)))).toEqual(VECTORS.leaves);
    expect(hashes.map(hex)).toEqual(VECTORS.leafHashes);
    expect([1, 2, 3].map((n) => hex(treeRoot(hashes.slice(0, n))))).toEqual(VECTORS.roots);
    expect([0, 1, 2].map((i) => inclusionProof(i, hashes).map(hex))).toEqual(VECTORS.inclusion);
    expect(consistencyProof(1, hashes).map(hex)).toEqual(VECTORS.consistency1to3);
    expect(consistencyProof(2, hashes).map(hex)).toEqual(VECTORS.consistency2to3);
    const root3 = Buffer.from(VECTORS.roots[2] ?? "", "hex");
    expect(verifyInclusion(hashes[1] as Uint8Array, 1, 3, VECTORS.inclusion[1]?.map((h) => Buffer.from(h, "hex")) ?? [], root3)).toBe(true);
    const root2 = Buffer.from(VECTORS.roots[1] ?? "", "hex");
    expect(verifyConsistency(2, 3, root2, root3, [Buffer.from(VECTORS.consistency2to3[0] ?? "", "hex")])).toBe(true);
  });

  it("docs/verification.md prints these vectors", () => {
    const doc = fs.readFileSync(new URL("../../docs/verification.md", import.meta.url), "utf8");
    const all = [
      ...VECTORS.leaves,
      ...VECTORS.leafHashes,
      ...VECTORS.roots,
      ...VECTORS.inclusion.flat(),
      ...VECTORS.consistency1to3,
      ...VECTORS.consistency2to3,
    ];
    for (const v of all) expect(doc.includes(v) || doc.includes(`${v.slice(0, 8)}…${v.slice(-4)}`), v).toBe(true);
  });

  it("reads back to the same values, and only the canonical bytes are accepted", () => {
    for (const [f, s] of SIGNERS) {
      const bytes = encodeLeaf(f, s);
      const back = decodeLeaf(bytes);
      expect(back.fields).toEqual(f);
      expect(hex(back.salt)).toBe(hex(s));
      expect(() => decodeLeaf(bytes.subarray(0, bytes.length - 1)), "cut short").toThrow(TypeError);
      expect(() => decodeLeaf(Uint8Array.from([...bytes, 0])), "trailing byte").toThrow(TypeError);
      expect(() => decodeLeaf(Uint8Array.from([2, ...bytes.subarray(1)])), "another version").toThrow(TypeError);
    }
    // Decomposed Unicode, a leading zero in the revision: readable bytes, not the canonical encoding.
    const nfd = encodeLeaf({ ...base, name: "Ä" }, baseSalt);
    const forged = Buffer.from(nfd);
    const at = forged.indexOf(Buffer.from("Ä".normalize("NFC")));
    const decomposed = Buffer.concat([forged.subarray(0, at - 4), Buffer.from([0, 0, 0, 3]), Buffer.from("A\u0308"), forged.subarray(at + 2)]);
    expect(() => decodeLeaf(decomposed)).toThrow(/canonical/);
    const rev = Buffer.from(encodeLeaf(base, baseSalt));
    const revAt = rev.length - 5;
    expect(() => decodeLeaf(Buffer.concat([rev.subarray(0, revAt), Buffer.from([0, 0, 0, 2]), Buffer.from("01")]))).toThrow(TypeError);
  });

  it("changes with every printed field and with the salt", () => {
    const seen = new Set([hashOf({})]);
    const variants: Array<Partial<LeafFields>> = [
      { name: "Aigerim Seitkali." },
      { city: "Astana" },
      { city: null },
      { country: "KG" },
      { organization: "Amnesty" },
      { position: "lawyer" },
      { confirmed: "2026-03-04" },
      { revision: 2 },
    ];
    for (const v of variants) seen.add(hashOf(v));
    seen.add(hashOf({}, salt(0x01)));
    seen.add(hashOf({}, newSalt()));
    expect(seen.size).toBe(variants.length + 3);
  });

  it("is unambiguous: text moved between neighbouring fields gives another leaf", () => {
    const pairs: Array<[Partial<LeafFields>, Partial<LeafFields>]> = [
      [
        { name: "Ann Lee", city: "Bishkek" },
        { name: "Ann", city: "Lee Bishkek" },
      ],
      [
        { organization: "AB", position: "C" },
        { organization: "A", position: "BC" },
      ],
      [
        { city: null, country: "KZ" },
        { city: "KZ", country: null },
      ],
      [
        { organization: "x", position: null },
        { organization: null, position: "x" },
      ],
    ];
    for (const [a, b] of pairs) expect(hashOf(a), JSON.stringify([a, b])).not.toBe(hashOf(b));
  });

  it("is the same for what prints the same: NFC, a missing or empty value, the country code's case and spaces", () => {
    expect(hashOf({ name: "Zhanar Äbilqaiyr" })).toBe(hashOf({ name: "Zhanar A\u0308bilqaiyr" }));
    expect(hashOf({ name: "Жанар Әбілқайыр", city: "Шымкент" })).toBe(hashOf({ name: "Жанар Әбілқайыр".normalize("NFD"), city: "Шымкент".normalize("NFD") }));
    expect(hashOf({ organization: "" })).toBe(hashOf({ organization: null }));
    expect(hashOf({ country: " kz " })).toBe(hashOf({ country: "KZ" }));
  });

  it("refuses values with no canonical form", () => {
    expect(() => encodeLeaf(base, new Uint8Array(31))).toThrow(TypeError);
    expect(() => encodeLeaf({ ...base, name: "" }, baseSalt)).toThrow(TypeError);
    expect(() => encodeLeaf({ ...base, name: "Bad \uD800 surrogate" }, baseSalt)).toThrow(TypeError);
    expect(() => encodeLeaf({ ...base, city: "\uDC00" }, baseSalt)).toThrow(TypeError);
    for (const confirmed of ["2026-3-5", "2026-02-30", "05.03.2026", "2026-03-05T10:00:00Z", ""]) {
      expect(() => encodeLeaf({ ...base, confirmed }, baseSalt), confirmed).toThrow(TypeError);
    }
    for (const revision of [0, -1, 1.5, Number.NaN]) expect(() => encodeLeaf({ ...base, revision }, baseSalt), String(revision)).toThrow(TypeError);
  });

  it("takes the UTC day the letter prints, whatever the time of day", () => {
    const late = new Date("2026-03-05T23:59:59.999Z");
    const row = { name: "A", city: null, country: null, organization: null, position: null, confirmedAt: late, revision: 1 };
    expect(leafFieldsOf(row).confirmed).toBe("2026-03-05");
    expect(utcDay(new Date("2026-03-06T00:00:00Z"))).toBe("2026-03-06");
    // The letter's row prints the same day (dates are printed in UTC).
    expect(new LetterFormat("en").day(late)).toBe("05/03/2026");
    expect(new LetterFormat("ru").day(late)).toBe("05.03.2026");
    expect(() => utcDay(new Date(Number.NaN))).toThrow(RangeError);
  });

  it("salts are 32 random bytes each", () => {
    const salts = new Set(Array.from({ length: 100 }, () => hex(newSalt())));
    expect(salts.size).toBe(100);
    for (const s of salts) expect(s).toHaveLength(64);
  });
});

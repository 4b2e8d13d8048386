import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encodeLeaf, type LeafFields } from "./leaf";
import { ReceiptError, decodeReceipt, encodeReceipt } from "./receipt";

/** The three signers of docs/verification.md §1.5, whose receipts §3 pins. */
const salt = (s: number) => Uint8Array.from({ length: 32 }, (_, i) => s + i);
const signers: [LeafFields, Uint8Array][] = [
  [{ name: "Aigerim Seitkali", city: "Almaty", country: "KZ", organization: null, position: null, confirmed: "2026-03-05", revision: 1 }, salt(0)],
  [{ name: "Алексей Петров", city: "Москва", country: "RU", organization: "Мемориал", position: "юрист", confirmed: "2026-03-05", revision: 1 }, salt(0x20)],
  [{ name: "Jane Doe", city: null, country: null, organization: null, position: null, confirmed: "2026-03-06", revision: 2 }, salt(0x40)],
];
const VECTORS = [
  "appeals-receipt:1:demo-appeal:0:AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fAAAAEEFpZ2VyaW0gU2VpdGthbGkAAAAGQWxtYXR5AAAAAktaAAAAAAAAAAAAAAAKMjAyNi0wMy0wNQAAAAEx",
  "appeals-receipt:1:demo-appeal:1:ASAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_AAAAG9CQ0LvQtdC60YHQtdC5INCf0LXRgtGA0L7QsgAAAAzQnNC-0YHQutCy0LAAAAACUlUAAAAQ0JzQtdC80L7RgNC40LDQuwAAAArRjtGA0LjRgdGCAAAACjIwMjYtMDMtMDUAAAABMQ",
  "appeals-receipt:1:demo-appeal:2:AUBBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fAAAACEphbmUgRG9lAAAAAAAAAAAAAAAAAAAAAAAAAAoyMDI2LTAzLTA2AAAAATI",
];

describe("receipts", () => {
  it("the documented vectors encode and decode, and appear in docs/verification.md", () => {
    const doc = readFileSync("docs/verification.md", "utf8");
    signers.forEach(([fields, s], index) => {
      const leaf = encodeLeaf(fields, s);
      const text = encodeReceipt({ slug: "demo-appeal", index, leaf });
      expect(text).toBe(VECTORS[index]);
      expect(doc, `receipt ${index} in the document`).toContain(text);
      const back = decodeReceipt(text);
      expect(back.slug).toBe("demo-appeal");
      expect(back.index).toBe(index);
      expect(Buffer.from(back.leaf).equals(Buffer.from(leaf))).toBe(true);
      expect(back.fields).toEqual(fields);
      expect(Buffer.from(back.salt).equals(Buffer.from(s))).toBe(true);
    });
  });

  it("anything else is refused", () => {
    const good = VECTORS[0] ?? "";
    const data = good.split(":")[4] ?? "";
    const bad = [
      "",
      "appeals-receipt",
      good.replace("appeals-receipt:", "appeal-receipt:"),
      good.replace(":1:", ":2:"),
      good.replace(":1:", ":01:"),
      good.replace("demo-appeal", "Demo-Appeal"),
      good.replace("demo-appeal", "demo--appeal"),
      good.replace(":0:", ":-1:"),
      good.replace(":0:", ":00:"),
      good.replace(":0:", ": 0:"),
      good.replace(":0:", ":1e3:"),
      good.replace(":0:", ":99999999999999999:"),
      `${good}=`,
      `${good}:`,
      ` ${good}`,
      (VECTORS[1] ?? "").replace(/[^:]+$/, (d) => Buffer.from(d, "base64url").toString("base64")), // standard base64 with padding
      good.slice(0, -1), // a cut leaf (or non-canonical base64url)
      good.slice(0, -4),
      good.replace(data, Buffer.concat([Buffer.from(data, "base64url"), Buffer.from([0])]).toString("base64url")), // a byte after the leaf
      good.replace(data, Buffer.from([2, ...Buffer.from(data, "base64url").subarray(1)]).toString("base64url")), // version 2 leaf
      good.replace("QWxtYXR5", "QUxNQVRZ"), // "ALMATY" instead of "Almaty": still a leaf, so accepted (the letter tells)
    ];
    for (const text of bad.slice(0, -1)) expect(() => decodeReceipt(text), JSON.stringify(text)).toThrow(ReceiptError);
    expect(decodeReceipt(bad[bad.length - 1] ?? "").fields.city).toBe("ALMATY");
    expect(() => encodeReceipt({ slug: "demo-appeal", index: 0, leaf: new Uint8Array([1, 2, 3]) })).toThrow();
    expect(() => encodeReceipt({ slug: "x", index: 0, leaf: new Uint8Array() })).toThrow(ReceiptError);
    expect(() => encodeReceipt({ slug: "demo-appeal", index: -1, leaf: new Uint8Array() })).toThrow(ReceiptError);
  });

  it("a receipt with a decomposed (NFD) name is refused: its leaf is not canonical", () => {
    const leaf = encodeLeaf({ ...(signers[1]?.[0] ?? signers[0][0]), name: "Алексей" }, salt(0x20));
    const text = encodeReceipt({ slug: "demo-appeal", index: 1, leaf });
    const nfd = Buffer.from(leaf);
    // Replace the name's UTF-8 "й" (d0 b9) with "и" + combining breve (d0 b8 cc 86): a length change, so rebuild.
    const name = "Алексей".normalize("NFD");
    const bytes = Buffer.concat([
      nfd.subarray(0, 33),
      Buffer.from([0, 0, 0, Buffer.byteLength(name)]),
      Buffer.from(name),
      nfd.subarray(33 + 4 + Buffer.byteLength("Алексей")),
    ]);
    expect(() => decodeReceipt(text.replace(/[^:]+$/, bytes.toString("base64url")))).toThrow(/not canonical|not a valid leaf/);
  });
});

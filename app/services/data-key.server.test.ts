import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, env, parseEnv, setEnv } from "../utils/env.server";
import { COMPRESS_FROM, developmentDataKey, emailLookup, emailLookups, keyringFrom, open, seal, sealedKeyId } from "./data-key.server";

const newKey = () => crypto.randomBytes(32).toString("base64");

describe("sealing under DATA_KEY", () => {
  const ring = keyringFrom(newKey());

  it("seals text so that neither it nor a part of it is readable, and opens it again", () => {
    const name = "Айгерім Сейітқалиева";
    const sealed = seal(name, "name", ring);
    expect(sealed).toMatch(/^s1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("Айгерім");
    expect(Buffer.from(sealed).includes(Buffer.from("Айгерім"))).toBe(false);
    expect(sealedKeyId(sealed)).toBe(ring.current.id);
    expect(open(sealed, "name", ring)).toBe(name);
    // A fresh IV each time: equal names do not give equal values.
    expect(seal(name, "name", ring)).not.toBe(sealed);
  });

  it("refuses an altered value, one sealed for another purpose, and one under a key it does not have", () => {
    const sealed = seal("signer@mail.example", "email", ring);
    const body = Buffer.from(sealed.split(":")[2]!, "base64url");
    body[14]! ^= 1;
    expect(() => open(`s1:${ring.current.id}:${body.toString("base64url")}`, "email", ring)).toThrow();
    expect(() => open(sealed, "name", ring)).toThrow();
    const other = keyringFrom(newKey());
    expect(() => open(sealed, "email", other)).toThrow(/neither DATA_KEY nor in DATA_KEY_PREVIOUS/);
  });

  it("deflates a long value (a mail's body) before sealing it, so it takes about the bytes PostgreSQL's compression leaves of the plain text", () => {
    const html = `<!doctype html><html lang="ru"><body>${'<p style="margin:0 0 12px;font:16px/1.5 sans-serif">Подтвердите подпись под обращением.</p>'.repeat(30)}</body></html>`;
    const sealed = seal(html, "mail", ring);
    expect(sealed.length).toBeLessThan(Buffer.byteLength(html) / 4);
    expect(open(sealed, "mail", ring)).toBe(html);
    // Altered, or moved to another purpose: refused like any sealed value.
    const body = Buffer.from(sealed.split(":")[2]!, "base64url");
    body[20]! ^= 1;
    expect(() => open(`s1:${ring.current.id}:${body.toString("base64url")}`, "mail", ring)).toThrow();
    expect(() => open(sealed, "name", ring)).toThrow();
    // Short values, and text just below the threshold, are sealed as they are; both open.
    for (const text of ["x", "ä".repeat(COMPRESS_FROM / 2 - 1), "a".repeat(COMPRESS_FROM)]) expect(open(seal(text, "mail", ring), "mail", ring)).toBe(text);
    expect(seal("ä".repeat(COMPRESS_FROM / 2 - 1), "mail", ring).length).toBeGreaterThan(COMPRESS_FROM);
  });

  it("reads a value written before encryption as it is", () => {
    expect(open("plain@mail.example", "email", ring)).toBe("plain@mail.example");
    expect(sealedKeyId("plain@mail.example")).toBeNull();
  });

  it("during a rotation opens what the previous key sealed and seals with the new one", () => {
    const old = newKey();
    const before = keyringFrom(old);
    const during = keyringFrom(newKey(), [old]);
    const sealed = seal("signer@mail.example", "email", before);
    expect(open(sealed, "email", during)).toBe("signer@mail.example");
    expect(sealedKeyId(seal("x", "email", during))).toBe(during.current.id);
    expect(during.current.id).not.toBe(before.current.id);
    // Look-ups try both keys' hashes, the new one first.
    expect(emailLookups("Signer@Mail.Example", during)).toEqual([emailLookup("signer@mail.example", during), emailLookup("signer@mail.example", before)]);
  });
});

describe("the e-mail look-up hash", () => {
  it("is the same for the forms of one address, differs between addresses and between keys, and does not contain the address", () => {
    const ring = keyringFrom(newKey());
    const hash = emailLookup("first.last+appeal@gmail.com", ring);
    expect(emailLookup(" FirstLast@GMAIL.com ", ring)).toBe(hash);
    expect(emailLookup("other@gmail.com", ring)).not.toBe(hash);
    expect(emailLookup("firstlast@gmail.com", keyringFrom(newKey()))).not.toBe(hash);
    expect(hash).not.toMatch(/first|gmail/i);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("the configuration of DATA_KEY", () => {
  const base = { DATABASE_URL: "postgres://x@127.0.0.1/x", SESSION_SECRET: "s".repeat(40), SIGNING_KEY_SECRET: "k".repeat(40) };

  it("is required in production: the start stops with one line naming it", () => {
    expect(() => parseEnv({ ...base, NODE_ENV: "production" })).toThrow(EnvError);
    expect(() => parseEnv({ ...base, NODE_ENV: "production" })).toThrow(
      /^Invalid configuration: DATA_KEY is required in production: 32 random bytes in base64[^\n]*$/,
    );
    expect(parseEnv({ ...base, NODE_ENV: "production", DATA_KEY: newKey() }).DATA_KEY).toBeTruthy();
  });

  it("refuses a malformed key, in every environment", () => {
    for (const bad of ["short", Buffer.alloc(31).toString("base64"), "not base64 at all!!", Buffer.alloc(33).toString("base64")])
      expect(() => parseEnv({ ...base, NODE_ENV: "development", DATA_KEY: bad })).toThrow(/^Invalid configuration: DATA_KEY must be 32 random bytes in base64/);
    expect(() => parseEnv({ ...base, DATA_KEY: newKey(), DATA_KEY_PREVIOUS: `${newKey()},nope` })).toThrow(/DATA_KEY_PREVIOUS/);
    expect(parseEnv({ ...base, DATA_KEY: newKey(), DATA_KEY_PREVIOUS: ` ${newKey()} , ${newKey()}` }).DATA_KEY_PREVIOUS).toHaveLength(2);
  });

  it("BENCH_PLAINTEXT_AT_REST (bench:sign's comparison) is refused in production with one line naming it", () => {
    expect(() => parseEnv({ ...base, NODE_ENV: "production", DATA_KEY: newKey(), BENCH_PLAINTEXT_AT_REST: "1" })).toThrow(
      /^Invalid configuration: BENCH_PLAINTEXT_AT_REST is a benchmark's setting \(no encryption at rest\) and is refused in production$/,
    );
    expect(parseEnv({ ...base, NODE_ENV: "production", DATA_KEY: newKey() }).BENCH_PLAINTEXT_AT_REST).toBe(false);
    expect(parseEnv({ ...base, NODE_ENV: "development", BENCH_PLAINTEXT_AT_REST: "1" }).BENCH_PLAINTEXT_AT_REST).toBe(true);
    // What bench:sign compares against: values stored as before encryption, the look-up key unkeyed.
    const saved = env();
    try {
      setEnv(parseEnv({ ...process.env, BENCH_PLAINTEXT_AT_REST: "1" }));
      expect(seal("Jane@Example.org", "email")).toBe("Jane@Example.org");
      expect(emailLookup("Jane@Example.org")).toBe("jane@example.org");
      expect(emailLookups("Jane@Example.org")).toEqual(["jane@example.org"]);
    } finally {
      setEnv(saved);
    }
    expect(sealedKeyId(seal("Jane@Example.org", "email"))).not.toBeNull();
  });

  it("outside production is made under DATA_DIR (mode 0600) once, said so, and kept", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "appeals-data-key-"));
    try {
      const said: string[] = [];
      const key = developmentDataKey(dir, (line) => said.push(line));
      expect(keyringFrom(key).current.id).toMatch(/^[0-9a-f]{8}$/);
      const file = path.join(dir, "data-key");
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(file);
      expect(said[0]).not.toContain(key);
      expect(developmentDataKey(dir, (line) => said.push(line))).toBe(key);
      expect(said).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

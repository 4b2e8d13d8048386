import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { decodeReceipt, encodeReceipt } from "../../app/ledger/receipt";
import { encodeLeaf, leafHash } from "../../app/ledger/leaf";
import { hashLeaf, verifyInclusion } from "../../app/ledger/merkle";
import { requestLetters } from "../../app/services/letters.server";
import { getDb } from "../../db/client";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, tokenIn, type Harness } from "./support/harness";

/**
 * Signer receipts end to end (issue 13 point 4): confirm → the thanks page offers a receipt (after
 * the warning) only to the confirming browser, and shows it only after the opt-in POST, once; the
 * e-mail copy only when ticked; /verify/<code> answers a pasted receipt with its inclusion proof, or
 * "not in this letter", or refuses it (400) in the reader's language.
 */
const decodeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

describe("signer receipts", () => {
  let h: Harness;
  let owner: { organizationId: number; userId: number };
  let appeal: { id: number; slug: string };
  let other: { id: number; slug: string };
  const receipts: string[] = [];
  let code = "";

  /** Signs and confirms through the app; returns the thanks cookie the confirmation set. */
  async function signAndConfirm(slug: string, name: string, email: string): Promise<string> {
    const signed = await fetch(`${h.url}/appeals/${slug}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: signForm({ name, email }),
      redirect: "manual",
    });
    expect(signed.status).toBe(303);
    const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
    const confirmed = await fetch(`${h.url}/s/confirm/${tokenIn(mail.text, "confirm")}`, { method: "POST", redirect: "manual" });
    expect(confirmed.status).toBe(303);
    const cookie = confirmed.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^confirmed=[^;]+; Path=\/appeals\/[^/]+\/thanks;.*HttpOnly/);
    return cookie.split(";")[0] ?? "";
  }

  async function takeReceipt(slug: string, cookie: string, email: boolean) {
    const res = await fetch(`${h.url}/appeals/${slug}/thanks`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
      body: new URLSearchParams({ _intent: "receipt", ...(email ? { email: "on" } : {}) }).toString(),
    });
    const html = await res.text();
    const match = /<textarea[^>]*data-testid="receipt"[^>]*>([^<]*)<\/textarea>/.exec(html);
    return { status: res.status, html, receipt: match?.[1] ? decodeHtml(match[1]) : null };
  }

  async function checkAt(letterCode: string, receipt: string, lang = "en") {
    const res = await fetch(`${h.url}/verify/${letterCode}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": lang },
      body: new URLSearchParams({ _intent: "receipt", receipt }).toString(),
    });
    return { status: res.status, html: await res.text() };
  }

  beforeAll(async () => {
    h = await startHarness();
    owner = await newOrganization("Receipts org");
    appeal = await publishedAppeal(owner, "Receipts appeal");
    other = await publishedAppeal(owner, "Another appeal");
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it("offers the receipt only to the confirming browser, shows it only after the opt-in POST, once", async () => {
    const email = uniqueEmail("receipt-signer");
    const cookie = await signAndConfirm(appeal.slug, "Aigerim Seitkali", email);

    const offered = await (await fetch(`${h.url}/appeals/${appeal.slug}/thanks`, { headers: { Cookie: cookie } })).text();
    expect(offered).toContain("Keep a receipt");
    expect(offered).toContain("If your phone or computer is seized, it can be used against you.");
    expect(offered).not.toContain("appeals-receipt:");
    const stranger = await (await fetch(`${h.url}/appeals/${appeal.slug}/thanks`)).text();
    expect(stranger).not.toContain("Keep a receipt");
    // Only the token itself authorises: a cookie without it (the MAC part only) gets nothing.
    const macOnly = cookie.split(".").slice(0, 2).join(".");
    expect((await takeReceipt(appeal.slug, macOnly, false)).status).toBe(410);

    const taken = await takeReceipt(appeal.slug, cookie, false);
    expect(taken.status).toBe(200);
    expect(taken.receipt).toMatch(/^appeals-receipt:1:/);
    const decoded = decodeReceipt(taken.receipt ?? "");
    expect(decoded.slug).toBe(appeal.slug);
    expect(decoded.fields.name).toBe("Aigerim Seitkali");
    const stored = await getDb()
      .selectFrom("ledger_leaves")
      .select("leaf_hash")
      .where("appeal_id", "=", appeal.id)
      .where("leaf_index", "=", decoded.index)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(hashLeaf(decoded.leaf)).toString("hex")).toBe(stored.leaf_hash.toString("hex"));
    expect(taken.html).toContain('download="receipt-');
    receipts.push(taken.receipt ?? "");

    // Single use: asking again, or reloading, shows and offers nothing.
    expect((await takeReceipt(appeal.slug, cookie, false)).status).toBe(410);
    expect(await (await fetch(`${h.url}/appeals/${appeal.slug}/thanks`, { headers: { Cookie: cookie } })).text()).not.toContain("Keep a receipt");
    // Not e-mailed: it was not asked for.
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.sink.messages.filter((m) => m.to.includes(email) && m.text.includes("appeals-receipt:"))).toEqual([]);
  }, 60_000);

  it("e-mails the receipt when asked", async () => {
    const email = uniqueEmail("receipt-mail");
    const cookie = await signAndConfirm(appeal.slug, "Иван Петров", email);
    const taken = await takeReceipt(appeal.slug, cookie, true);
    expect(taken.status).toBe(200);
    expect(taken.html).toContain("We also sent it to your e-mail address.");
    const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("appeals-receipt:"));
    expect(mail.text).toContain(taken.receipt ?? "missing");
    receipts.push(taken.receipt ?? "");
  }, 60_000);

  it("at /verify: included as entry N of M with a proof that verifies; later, altered, forged, other appeal, garbage refused", async () => {
    // One more signature, so the letter holds three leaves.
    const third = await takeReceipt(appeal.slug, await signAndConfirm(appeal.slug, "Third Signer", uniqueEmail("receipt-3")), false);
    receipts.push(third.receipt ?? "");
    const [letterId] = await requestLetters(appeal.id, owner.userId, { lang: "en" });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const row = await getDb()
        .selectFrom("letters")
        .select(["status", "code"])
        .where("id", "=", letterId ?? 0)
        .executeTakeFirstOrThrow();
      if (row.status === "ready") {
        code = row.code;
        break;
      }
      if (row.status === "failed" || Date.now() > deadline) throw new Error(`the letter is ${row.status}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const letter = await getDb()
      .selectFrom("letters")
      .select(["tree_size", "tree_root"])
      .where("id", "=", letterId ?? 0)
      .executeTakeFirstOrThrow();
    expect(letter.tree_size).toBe(3);

    const first = decodeReceipt(receipts[0] ?? "");
    const ok = await checkAt(code, receipts[0] ?? "");
    expect(ok.status).toBe(200);
    expect(ok.html).toContain(`Included: your signature is in this letter as entry ${first.index + 1} of 3.`);
    const proof = [...(/<ol data-testid="receipt-proof">(.*?)<\/ol>/s.exec(ok.html)?.[1] ?? "").matchAll(/<code[^>]*>([0-9a-f]{64})<\/code>/g)].map((m) =>
      Buffer.from(m[1] ?? "", "hex"),
    );
    expect(proof.length).toBeGreaterThan(0);
    expect(verifyInclusion(hashLeaf(first.leaf), first.index, 3, proof, new Uint8Array(letter.tree_root ?? Buffer.alloc(32)))).toBe(true);
    // No other signer: none of the other names is on the page.
    expect(ok.html).not.toContain("Иван Петров");
    expect(ok.html).not.toContain("Third Signer");
    expect(ok.html).not.toContain("Aigerim Seitkali");

    // Signed after the letter: "not in this letter".
    const late = await takeReceipt(appeal.slug, await signAndConfirm(appeal.slug, "Late Signer", uniqueEmail("receipt-late")), false);
    const later = await checkAt(code, late.receipt ?? "");
    expect(later.status).toBe(200);
    expect(later.html).toContain("Not in this letter: your signature is entry 4, and this letter holds 3.");

    // Altered: one character of the name, or of the salt.
    const renamed = encodeReceipt({ slug: first.slug, index: first.index, leaf: encodeLeaf({ ...first.fields, name: "Aigerim Seitkalu" }, first.salt) });
    const salt = new Uint8Array(first.salt);
    salt[0] = (salt[0] ?? 0) ^ 1;
    const resalted = encodeReceipt({ slug: first.slug, index: first.index, leaf: encodeLeaf(first.fields, salt) });
    // Another entry's index with this leaf.
    const moved = encodeReceipt({ slug: first.slug, index: (first.index + 1) % 3, leaf: first.leaf });
    for (const forged of [renamed, resalted, moved]) {
      const refused = await checkAt(code, forged);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain("Refused: this receipt does not match the ledger. It was altered or forged.");
      expect(decodeHtml(refused.html)).toContain(forged);
    }

    // Another appeal's receipt (a real one): refused.
    const elsewhere = await takeReceipt(other.slug, await signAndConfirm(other.slug, "Other Signer", uniqueEmail("receipt-other")), false);
    const otherAnswer = await checkAt(code, elsewhere.receipt ?? "");
    expect(otherAnswer.status).toBe(400);
    expect(otherAnswer.html).toContain("This receipt is for another appeal");

    // Garbage, in Russian; the typed text kept in the field.
    const garbage = await checkAt(code, "appeals-receipt:1:нечто<script>", "ru");
    expect(garbage.status).toBe(400);
    expect(garbage.html).toContain("Это не действительная квитанция.");
    expect(garbage.html).toContain("appeals-receipt:1:нечто&lt;script&gt;");
    const empty = await checkAt(code, "   ", "ru");
    expect(empty.status).toBe(400);
    expect(empty.html).toContain("Сначала вставьте квитанцию.");
    // An oversized body is refused too, never a 500.
    expect((await checkAt(code, "x".repeat(20_000))).status).toBe(400);

    // The stored leaf is what leafHash of the decoded fields gives (the receipt is the row as confirmed).
    expect(Buffer.from(leafHash(first.fields, first.salt)).equals(Buffer.from(hashLeaf(first.leaf)))).toBe(true);
  }, 180_000);
});

import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { addAddressee, createAppeal, publish, saveVersion } from "../../app/services/appeals.server";
import { PAGE, QR, qrModules } from "../../app/pdf/poster.server";
import { addSigners, TEXTS } from "../fixtures/campaign";
import { newOrganization } from "../fixtures/organizers";
import { getDb } from "../../db/client";
import { startHarness, unique, type Harness } from "./support/harness";

const run = promisify(execFile);

/**
 * Spreading an appeal (issue 17, items 1 and 2), against the built app: the counter as an SVG
 * badge and as a framable page, the share image, and the A4 poster with its QR code.
 */
describe("badge, embed, share image, poster", () => {
  let h: Harness;
  let tmp: string;
  /** Russian original, Kazakh and English versions, 1 234 confirmed signatures. */
  let slug: string;
  /** A title with every character XML escapes. */
  let tricky: string;

  beforeAll(async () => {
    h = await startHarness();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "spread-"));
    const owner = await newOrganization("Коалиция «Гражданские свободы»");
    slug = unique("spread");
    const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "ru", title: TEXTS.ru.title });
    for (const lang of ["ru", "kk", "en", "ar"] as const) await saveVersion(id, owner.userId, lang, TEXTS[lang]);
    await addAddressee(id, owner.userId, null, { ru: { name: "Министр", position: "Министр", institution: "Министерство" } });
    await publish(id, owner.userId);
    await addSigners(
      id,
      Array.from({ length: 1234 }, (_, i) => ({ name: `Signer ${i}` })),
    );
    // As the signing path records a confirmation: a delta the app folds into the public count.
    await getDb().insertInto("count_deltas").values({ appeal_id: id, confirmed: 1234 }).execute();
    tricky = unique("tricky");
    const trickyId = await createAppeal(owner.userId, {
      organizationId: owner.organizationId,
      slug: tricky,
      originalLanguage: "en",
      title: `Rivers & lakes <now> "clean" 'air'`,
    });
    await saveVersion(trickyId, owner.userId, "en", {
      title: `Rivers & lakes <now> "clean" 'air'`,
      summary: "",
      body: "First paragraph, **bold** & plain.\n\nSecond.",
    });
    await addAddressee(trickyId, owner.userId, null, { en: { name: "The Minister", position: "Minister", institution: "Ministry" } });
    await publish(trickyId, owner.userId);
    // The counts are folded into appeal_counts by the app every 2 s.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const body = (await (await fetch(`${h.url}/api/appeals/${slug}`)).json()) as { signatures: { confirmed: number } };
      if (body.signatures.confirmed === 1234) break;
      if (Date.now() > deadline) throw new Error(`count still ${body.signatures.confirmed}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  describe("badge.svg", () => {
    it("is well-formed SVG with the title and the count in the language asked for, cacheable for seconds", async () => {
      const res = await fetch(`${h.url}/appeals/${slug}/badge.svg?lang=kk`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
      expect(res.headers.get("cache-control")).toMatch(/^public, max-age=5, s-maxage=10/);
      expect(res.headers.get("vary") ?? "").not.toMatch(/accept-language/i);
      const svg = await res.text();
      const file = path.join(tmp, "badge.svg");
      await fs.writeFile(file, svg);
      // xmllint is not everywhere; Node has no XML parser: the SVG goes through resvg's (usvg) parser, which refuses bad XML.
      const { Resvg } = await import("@resvg/resvg-js");
      expect(() => new Resvg(svg)).not.toThrow();
      expect(svg).toContain(TEXTS.kk.title.slice(0, 30));
      expect(svg).toMatch(/1\u00a0234 қолтаңба/);
      const ru = await (await fetch(`${h.url}/appeals/${slug}/badge.svg?lang=ru`)).text();
      expect(ru).toMatch(/1\u00a0234 подписи/);
    });

    it("escapes a title holding < & \" ' for XML", async () => {
      const svg = await (await fetch(`${h.url}/appeals/${tricky}/badge.svg`)).text();
      const { Resvg } = await import("@resvg/resvg-js");
      expect(() => new Resvg(svg)).not.toThrow();
      expect(svg).toContain("Rivers &amp; lakes &lt;now&gt; &quot;clean&quot; &apos;air&apos;");
      expect(svg).not.toContain("<now>");
      expect(new Resvg(svg).render().width).toBeGreaterThan(100);
    });

    it("depends on Accept-Language without ?lang=, and answers 404 for an unknown appeal, 400 for an unknown language", async () => {
      const res = await fetch(`${h.url}/appeals/${slug}/badge.svg`, { headers: { "Accept-Language": "kk" } });
      expect(res.headers.get("vary")).toMatch(/accept-language/i);
      expect(await res.text()).toMatch(/қолтаңба/);
      expect((await fetch(`${h.url}/appeals/no-such-appeal/badge.svg`)).status).toBe(404);
      expect((await fetch(`${h.url}/appeals/${slug}/badge.svg?lang=xx`)).status).toBe(400);
    });
  });

  describe("embed", () => {
    it("may be framed by any site; no form, a link to sign in a new tab", async () => {
      const res = await fetch(`${h.url}/appeals/${slug}/embed?lang=ru`);
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors *");
      expect(csp).not.toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBeNull();
      expect(res.headers.get("cache-control")).toMatch(/^public, max-age=5/);
      const html = await res.text();
      expect(html).toContain(TEXTS.ru.title);
      expect(html).toContain("1\u00a0234 подписи");
      expect(html).not.toMatch(/<form|<input|<script/i);
      const sign = /<a class="sign" href="([^"]+)" target="_blank" rel="noopener"/.exec(html);
      expect(sign?.[1]).toBe(`${h.url}/appeals/${slug}?lang=ru`);
    });

    it("every other answer still refuses to be framed", async () => {
      for (const url of ["/", `/appeals/${slug}`, `/appeals/${slug}?lang=ru`, `/appeals/${slug}/badge.svg`, `/appeals/${slug}/embed/x`, "/login", "/app.css"]) {
        const res = await fetch(`${h.url}${url}`);
        await res.arrayBuffer();
        expect(res.headers.get("content-security-policy"), url).toContain("frame-ancestors 'none'");
      }
    });
  });

  describe("og.png", () => {
    it("the appeal page's og:image: a 1200 × 630 PNG, drawn once per count bucket", async () => {
      const html = await (await fetch(`${h.url}/appeals/${slug}?lang=kk`)).text();
      const image = /<meta property="og:image" content="([^"]+)"/.exec(html)?.[1] ?? "";
      expect(image).toBe(`${h.url}/appeals/${slug}/og.png?lang=kk`);
      expect(html).toMatch(/<meta property="og:image:alt" content="[^"]*1\u00a0200\+ қолтаңба"/);
      const first = await fetch(image);
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toBe("image/png");
      const png = Buffer.from(await first.arrayBuffer());
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 630]);
      await fs.writeFile(path.join(tmp, "og-kk.png"), png);
      if (process.env.SPREAD_SHOTS) await fs.copyFile(path.join(tmp, "og-kk.png"), path.join(process.env.SPREAD_SHOTS, "og-kk.png"));

      const second = await fetch(image);
      expect(second.headers.get("x-cache")).toBe("hit");
      expect(Buffer.from(await second.arrayBuffer()).equals(png)).toBe(true);
      const revalidated = await fetch(image, { headers: { "If-None-Match": second.headers.get("etag") ?? "" } });
      expect(revalidated.status).toBe(304);
    });

    it("a few more signatures in the same bucket: the same image, from memory", async () => {
      const ru = await fetch(`${h.url}/appeals/${slug}/og.png?lang=ru`);
      await ru.arrayBuffer();
      const again = await fetch(`${h.url}/appeals/${slug}/og.png?lang=ru`);
      await again.arrayBuffer();
      expect(again.headers.get("x-cache")).toBe("hit");
      expect(again.headers.get("etag")).toBe(ru.headers.get("etag"));
    });
  });

  describe("poster.pdf", () => {
    it("an A4 PDF that qpdf accepts, in the version asked for, with the title as text", async () => {
      for (const lang of ["ru", "kk"] as const) {
        const res = await fetch(`${h.url}/appeals/${slug}/poster.pdf?lang=${lang}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/pdf");
        expect(res.headers.get("cache-control")).toMatch(/max-age=60/);
        const file = path.join(tmp, `poster-${lang}.pdf`);
        await fs.writeFile(file, Buffer.from(await res.arrayBuffer()));
        await run("qpdf", ["--check", file]);
        const { stdout: info } = await run("pdfinfo", [file]);
        expect(info).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
        const { stdout } = await run("pdftotext", ["-layout", file, "-"]);
        const text = stdout.replace(/\s+/g, " ");
        for (const word of TEXTS[lang].title.split(/\s+/).slice(0, 4)) expect(text, lang).toContain(word);
        expect(text).toContain(`${new URL(h.url).host}/appeals/${slug}?lang=${lang}`);
      }
      // No ?lang=: the original (Russian), whatever the reader's language.
      const byDefault = await fetch(`${h.url}/appeals/${slug}/poster.pdf`, { headers: { "Accept-Language": "kk" } });
      expect(byDefault.headers.get("content-disposition")).toContain(`poster-${slug}-ru.pdf`);
    });

    it("the QR code, read back from a rendering of the page, is qrcode's matrix for the sign page's address", async () => {
      const file = path.join(tmp, "poster-kk.pdf");
      const dpi = 200;
      await run("pdftoppm", ["-r", String(dpi), "-gray", "-singlefile", file, path.join(tmp, "poster-kk")]);
      if (process.env.SPREAD_SHOTS) await run("pdftoppm", ["-r", "80", "-png", "-singlefile", file, path.join(process.env.SPREAD_SHOTS, "poster-kk")]);
      const pgm = await fs.readFile(path.join(tmp, "poster-kk.pgm"));
      const head = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString("latin1"));
      const width = Number(head?.[1]);
      expect(width).toBe(Math.round((PAGE.width * dpi) / 72));
      const at = (x: number, y: number) => pgm[(head?.[0].length ?? 0) + y * width + x] ?? 255;
      const expected = qrModules(`${h.url}/appeals/${slug}?lang=kk`);
      const module = QR.size / expected.size;
      let mismatches = 0;
      for (let row = 0; row < expected.size; row++)
        for (let col = 0; col < expected.size; col++) {
          const x = Math.round(((QR.x + (col + 0.5) * module) * dpi) / 72);
          const y = Math.round(((QR.y + (row + 0.5) * module) * dpi) / 72);
          const dark = at(x, y) < 128;
          if (dark !== expected.dark(row, col)) mismatches++;
        }
      expect(mismatches).toBe(0);
    });

    it("Arabic: the poster, the share image and the embed page are drawn right to left", async () => {
      const res = await fetch(`${h.url}/appeals/${slug}/poster.pdf?lang=ar`);
      expect(res.status).toBe(200);
      const file = path.join(tmp, "poster-ar.pdf");
      await fs.writeFile(file, Buffer.from(await res.arrayBuffer()));
      await run("qpdf", ["--check", file]);
      const { stdout } = await run("pdftotext", [file, "-"]);
      expect(stdout).toMatch(/[\u0600-\u06ff]{3}/);
      if (process.env.SPREAD_SHOTS) await run("pdftoppm", ["-r", "60", "-png", "-singlefile", file, path.join(process.env.SPREAD_SHOTS, "poster-ar")]);
      const og = Buffer.from(await (await fetch(`${h.url}/appeals/${slug}/og.png?lang=ar`)).arrayBuffer());
      expect([og.readUInt32BE(16), og.readUInt32BE(20)]).toEqual([1200, 630]);
      if (process.env.SPREAD_SHOTS) await fs.writeFile(path.join(process.env.SPREAD_SHOTS, "og-ar.png"), og);
      const embed = await (await fetch(`${h.url}/appeals/${slug}/embed?lang=ar`)).text();
      expect(embed).toMatch(/<html lang="ar" dir="rtl">/);
    });

    it("without a summary: the body's first paragraph, as plain text", async () => {
      const res = await fetch(`${h.url}/appeals/${tricky}/poster.pdf`);
      const file = path.join(tmp, "poster-tricky.pdf");
      await fs.writeFile(file, Buffer.from(await res.arrayBuffer()));
      await run("qpdf", ["--check", file]);
      const { stdout } = await run("pdftotext", [file, "-"]);
      expect(stdout.replace(/\s+/g, " ")).toContain("First paragraph, bold & plain.");
      expect(stdout).not.toContain("Second.");
    });
  });
});

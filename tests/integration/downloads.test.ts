import { promises as fs } from "node:fs";
import http from "node:http";
import net from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { addAttachment } from "../../app/services/attachments.server";
import { requestLetters } from "../../app/services/letters.server";
import { inviteMember } from "../../app/services/organizations.server";
import { pathOf } from "../../app/services/storage.server";
import { getDb } from "../../db/client";
import { findUserByEmail } from "../../db/queries/organizations";
import { newOrganization, sessionCookie, uniqueEmail } from "../fixtures/organizers";
import { PDF, publishedAppeal, startHarness, type Harness } from "./support/harness";

/**
 * One client must not hold the server's memory or its database (issue 11, items 1, 2, 14):
 * - 15 CSV downloads of a 300,000-signatory appeal whose clients stop reading, and a ZIP read
 *   slowly: the app's memory stays bounded, a public page answers, and once the clients leave
 *   no export query is left in PostgreSQL; a third download of one organizer is answered with a
 *   message at once;
 * - the export is a POST behind the CSRF check; a GET exports nothing;
 * - a /verify upload of 60 MB of one-byte fields is refused within seconds; a real letter verifies.
 * The app is the built server in its own process (tests/integration/support/harness.ts).
 */

const ROWS = 300_000;
// Stalled CSV downloads, two per organizer: with the slow ZIP and one more, every slot of the
// process (DOWNLOADS_PER_PROCESS, 16) is taken, so the next download is told the server is busy.
const STALLED = 14;
const MB = 1024 * 1024;

let h: Harness;
let owner: { organizationId: number; userId: number; email: string };
let big: { id: number; slug: string };
let small: { id: number; slug: string };
let letter: { id: number; code: string; storageKey: string };
const editors: { userId: number; cookie: string }[] = [];

function rssOf(pid: number): Promise<number> {
  return fs.readFile(`/proc/${pid}/status`, "utf8").then((s) => Number(/VmRSS:\s+(\d+) kB/.exec(s)?.[1] ?? 0) * 1024);
}

const exportQueries = async () =>
  Number(
    (
      await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%FROM signatures WHERE appeal_id = $1 AND status = ''confirmed'' ORDER BY confirmed_at, id%'`.execute(
        getDb(),
      )
    ).rows[0]?.n ?? 0,
  );

/** A raw HTTP/1.1 request on its own socket; `onBody` sees the answer's bytes as they come. */
function rawRequest(path: string, init: { method: string; cookie?: string; body?: string; gzip?: boolean }) {
  const socket = net.connect(h.app.port, "127.0.0.1");
  socket.on("error", () => undefined);
  const headers = [
    `${init.method} ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${h.app.port}`,
    ...(init.cookie ? [`Cookie: ${init.cookie}`] : []),
    ...(init.gzip ? ["Accept-Encoding: gzip"] : []),
    ...(init.body !== undefined ? ["Content-Type: application/x-www-form-urlencoded", `Content-Length: ${Buffer.byteLength(init.body)}`] : []),
    "",
    "",
  ].join("\r\n");
  socket.write(headers + (init.body ?? ""));
  return socket;
}

/** Opens a download and stops reading after its first bytes (the socket stays open, unread). */
function stalledDownload(path: string, init: { method: string; cookie: string; body?: string; gzip?: boolean }): Promise<{ socket: net.Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = rawRequest(path, init);
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      resolve({ socket, head: chunk.toString("latin1", 0, Math.min(chunk.length, 600)) });
    });
    socket.once("close", () => reject(new Error("closed before answering")));
    setTimeout(() => reject(new Error("no answer within 60 s")), 60_000).unref();
  });
}

async function waitForLetter(id: number) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const row = await getDb().selectFrom("letters").select(["status", "code", "storage_key"]).where("id", "=", id).executeTakeFirstOrThrow();
    if (row.status === "ready" && row.storage_key) return { id, code: row.code, storageKey: row.storage_key };
    if (row.status === "failed" || Date.now() > deadline) throw new Error(`the letter is ${row.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  // A modest heap, as on a small server: the collector then takes garbage back promptly, so the
  // app's RSS shows what it keeps, not what V8 has not yet bothered to collect.
  h = await startHarness({ NODE_OPTIONS: "--max-old-space-size=160" });
  owner = await newOrganization("Downloads NGO");
  big = await publishedAppeal(owner, "A large appeal");
  small = await publishedAppeal(owner, "A small appeal");
  // 300,000 confirmed signatures (about 40 MB of CSV), inserted in one statement.
  await sql`
    INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, organization, position, disclosure, keep_informed, email, email_key, confirmed_at, created_at)
    SELECT ${big.id}, 1, 'ru', 'confirmed', 'Подписант Подписантович ' || i, 'Алматы', 'KZ', 'Общественное объединение ' || i, 'координатор', 'public', i % 2 = 0,
           'bulk-' || i || '@mail.example', 'bulk-' || i || '@mail.example', timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second', now()
    FROM generate_series(1, ${ROWS}) AS i`.execute(getDb());
  // Enough organizers that every stalled download has a slot (two each), and one more.
  for (let i = 0; i < STALLED / 2 + 1; i++) {
    const email = uniqueEmail("downloads-editor");
    await inviteMember(owner.organizationId, owner.userId, email, "editor", "en");
    const { id } = (await findUserByEmail(getDb(), email))!;
    editors.push({ userId: id, cookie: await sessionCookie(id) });
  }
  // The ZIP: a letter and five 8 MB documents (about 40 MB).
  for (let i = 0; i < 5; i++) {
    const data = Buffer.alloc(8 * MB, 0x20);
    PDF.copy(data);
    await addAttachment(small.id, owner.userId, { lang: "en", filename: `evidence-${i}.pdf`, data });
  }
  const [letterId] = await requestLetters(small.id, owner.userId, { lang: "en" });
  if (letterId === undefined) throw new Error("no letter requested");
  letter = await waitForLetter(letterId);
}, 240_000);

afterAll(async () => {
  await h?.stop();
});

const exportPath = () => `/dashboard/appeals/${big.id}/export.csv`;
const purpose = (text: string) => new URLSearchParams({ purpose: text }).toString();

describe("downloads whose clients do not read", () => {
  it("15 stalled CSV downloads and a slow ZIP: memory stays bounded, a public page answers, a third download (or the process's seventeenth) gets a message, and nothing is left running once the clients leave", async () => {
    const pid = h.app.process.pid;
    if (pid === undefined) throw new Error("no app pid");
    // Warm up: one whole export, read to its end, so the baseline includes the code paths.
    const warm = await fetch(`${h.url}${exportPath()}`, {
      method: "POST",
      headers: { Cookie: editors[0]!.cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: purpose("warm-up"),
    });
    expect(warm.status).toBe(200);
    expect((await warm.arrayBuffer()).byteLength).toBeGreaterThan(35 * MB);
    const baseline = await rssOf(pid);

    const open: net.Socket[] = [];
    try {
      // Two stalled downloads per organizer; a third of the clients ask for gzip (compression()).
      const stalled = await Promise.all(
        Array.from({ length: STALLED }, (_, i) =>
          stalledDownload(exportPath(), { method: "POST", cookie: editors[i % (STALLED / 2)]!.cookie, body: purpose(`stalled ${i}`), gzip: i % 3 === 0 }),
        ),
      );
      for (const s of stalled) open.push(s.socket);
      for (const s of stalled) expect(s.head).toMatch(/^HTTP\/1\.1 200/);

      // A slow ZIP reader: 64 KB every 200 ms.
      const zip = rawRequest(`/dashboard/appeals/${small.id}/letters.zip?ids=${letter.id}`, { method: "GET", cookie: `${await sessionCookie(owner.userId)}` });
      open.push(zip);
      let zipBytes = 0;
      zip.on("data", (chunk: Buffer) => {
        zipBytes += chunk.length;
        zip.pause();
        setTimeout(() => zip.resume(), 200).unref();
      });

      await expect.poll(() => zipBytes, { timeout: 30_000 }).toBeGreaterThan(0); // the ZIP holds its slot

      // The process's sixteenth download (another organizer's first) runs; the seventeenth is
      // told the server is busy, though its organizer has a slot of their own left.
      const extra = editors[STALLED / 2]!.cookie;
      const sixteenth = await stalledDownload(exportPath(), { method: "POST", cookie: extra, body: purpose("sixteenth"), gzip: false });
      open.push(sixteenth.socket);
      expect(sixteenth.head).toMatch(/^HTTP\/1\.1 200/);
      const seventeenth = await fetch(`${h.url}${exportPath()}`, {
        method: "POST",
        redirect: "manual",
        headers: { Cookie: extra, "Content-Type": "application/x-www-form-urlencoded" },
        body: purpose("seventeenth"),
      });
      expect(seventeenth.status).toBe(303);
      expect(seventeenth.headers.get("Location")).toBe(`/dashboard/appeals/${big.id}/signatures?exportError=export.serverBusy#export-h`);

      // A third download of an organizer with two running: answered at once, with the reason.
      const third = await fetch(`${h.url}${exportPath()}`, {
        method: "POST",
        redirect: "manual",
        headers: { Cookie: editors[0]!.cookie, "Content-Type": "application/x-www-form-urlencoded" },
        body: purpose("third"),
      });
      expect(third.status).toBe(303);
      expect(third.headers.get("Location")).toBe(`/dashboard/appeals/${big.id}/signatures?exportError=export.busy#export-h`);
      const told = await (
        await fetch(`${h.url}/dashboard/appeals/${big.id}/signatures?exportError=export.busy&lang=ru`, { headers: { Cookie: editors[0]!.cookie } })
      ).text();
      expect(told.includes("У вас уже идут две загрузки"), "the busy message, in Russian").toBe(true);

      // Memory over the next 8 s, while a public page is asked for: bounded and prompt.
      let peak = baseline;
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline) {
        const started = Date.now();
        const page = await fetch(`${h.url}/appeals/${small.slug}`, { signal: AbortSignal.timeout(10_000) });
        expect(page.status).toBe(200);
        await page.text();
        expect(Date.now() - started).toBeLessThan(5_000);
        peak = Math.max(peak, await rssOf(pid));
        await new Promise((r) => setTimeout(r, 300));
      }
      // Without backpressure each stalled download keeps its whole CSV in memory (~40 MB each,
      // over 1 GB in all). With it, each keeps a few of its pages (about 60 MB in all here).
      expect(peak - baseline).toBeLessThan(200 * MB);
      expect(zipBytes).toBeGreaterThan(0);
      expect(zipBytes).toBeLessThan(40 * MB);
      expect(await exportQueries()).toBeGreaterThan(0);
    } finally {
      for (const s of open) s.destroy();
    }

    // The clients left: their queries end, and their slots come back.
    await expect.poll(exportQueries, { timeout: 15_000, interval: 250 }).toBe(0);
    await expect
      .poll(
        async () =>
          await fetch(`${h.url}${exportPath()}`, {
            method: "POST",
            redirect: "manual",
            headers: { Cookie: editors[1]!.cookie, "Content-Type": "application/x-www-form-urlencoded" },
            body: purpose("again"),
          }).then(async (r) => (await r.body?.cancel(), r.status)),
        { timeout: 15_000, interval: 500 },
      )
      .toBe(200);
    await expect.poll(exportQueries, { timeout: 15_000, interval: 250 }).toBe(0);
  }, 180_000);

  it("exports only by a POST from this site: a GET or a cross-site form exports nothing", async () => {
    const cookie = editors[2]!.cookie;
    const before = await getDb().selectFrom("exports").select("id").where("appeal_id", "=", big.id).execute();
    const get = await fetch(`${h.url}${exportPath()}?purpose=forged`, { headers: { Cookie: cookie }, redirect: "manual" });
    expect(get.status).toBe(405);
    expect(get.headers.get("Content-Type")).not.toMatch(/csv/);
    const crossSite = await fetch(`${h.url}${exportPath()}`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
      body: purpose("forged"),
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).not.toContain("Подписант");
    const after = await getDb().selectFrom("exports").select("id").where("appeal_id", "=", big.id).execute();
    expect(after.length).toBe(before.length);
    // The signatures tab's form posts to the export.
    const tab = await (await fetch(`${h.url}/dashboard/appeals/${big.id}/signatures`, { headers: { Cookie: cookie } })).text();
    expect(tab).toMatch(new RegExp(`<form[^>]*method="post"[^>]*action="/dashboard/appeals/${big.id}/export.csv"`));
  }, 60_000);
});

describe("/verify/:code upload", () => {
  it("refuses 60 MB of one-byte fields within seconds, with the reason in the reader's language", async () => {
    const boundary = "----flood";
    const part = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n`);
    const chunk = Buffer.concat(Array.from({ length: Math.floor((64 * 1024) / part.length) }, () => part));
    const total = 60 * MB - ((60 * MB) % chunk.length);
    const started = Date.now();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${h.url}/verify/${letter.code}?lang=kk`, {
        method: "POST",
        headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": String(total) },
      });
      let answered = false;
      req.on("response", (res) => {
        answered = true;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      });
      req.on("error", (error) => {
        if (!answered) reject(error);
      });
      let sent = 0;
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        if (sent >= total) req.end();
      };
      pump();
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("Тексеру үшін тек PDF файлын жіберіңіз");
    expect(Date.now() - started).toBeLessThan(15_000);
    // The server is fine afterwards.
    expect((await fetch(`${h.url}/verify/${letter.code}`)).status).toBe(200);
  }, 120_000);

  it("still verifies a real letter, and says when the file is not it", async () => {
    const bytes = await fs.readFile(pathOf(letter.storageKey));
    const check = async (data: Buffer, extra?: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(extra ?? {})) form.append(k, v);
      form.append("file", new File([new Uint8Array(data)], "letter.pdf", { type: "application/pdf" }));
      const res = await fetch(`${h.url}/verify/${letter.code}?lang=en`, { method: "POST", body: form });
      return { status: res.status, text: await res.text() };
    };
    const match = await check(bytes);
    expect(match.status).toBe(200);
    expect(match.text).toContain("This file is exactly the letter generated with this code.");
    const edited = Buffer.from(bytes);
    edited[edited.length - 10] = edited[edited.length - 10]! ^ 1;
    expect((await check(edited)).text).toContain("does NOT match");
    // Two files: refused, never a 500.
    const form = new FormData();
    form.append("file", new File([new Uint8Array(bytes)], "a.pdf"));
    form.append("file", new File([new Uint8Array(bytes)], "b.pdf"));
    const two = await fetch(`${h.url}/verify/${letter.code}?lang=en`, { method: "POST", body: form });
    expect(two.status).toBe(400);
    expect(await two.text()).toContain("Send only the PDF file to check, nothing else.");
  }, 60_000);
});

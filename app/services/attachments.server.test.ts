import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { newOrganization, sessionCookie } from "../../tests/fixtures/organizers";
import { action as uploadAction } from "../routes/dashboard.appeals.$id.attachments";
import { loader as downloadLoader } from "../routes/appeals.$slug.attachments.$id";
import { parseEnv, setEnv } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { addAddressee, createAppeal, publish, saveVersion } from "./appeals.server";
import { addAttachment, deleteAttachment, detectType, MAX_ATTACHMENT_BYTES } from "./attachments.server";
import { isDiskFull, pathOf, removeStaleTemp, storageIo } from "./storage.server";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
const JPEG = Buffer.from(
  "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
  "base64",
);
const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

let dataDir: string;
beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-attachments-"));
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir }));
});
afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function draft() {
  const owner = await newOrganization();
  const slug = `files-${crypto.randomBytes(3).toString("hex")}`;
  const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "ru", title: "Документы" });
  return { owner, id, slug };
}

async function rejection(promise: Promise<unknown>): Promise<string | null> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  return error instanceof AppError ? (error.messageKey ?? `AppError:${error.code}`) : String(error);
}

const rows = (appealId: number) => getDb().selectFrom("attachments").selectAll().where("appeal_id", "=", appealId).orderBy("id").execute();

describe("attachments are checked by their content", () => {
  it("recognises PDF, PNG and JPEG by their bytes and nothing else", async () => {
    expect(await detectType(PDF)).toBe("application/pdf");
    expect(await detectType(PNG)).toBe("image/png");
    expect(await detectType(JPEG)).toBe("image/jpeg");
    expect(await detectType(GIF)).toBeNull();
    expect(await detectType(Buffer.from("just some text, not a PDF"))).toBeNull();
    expect(await detectType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toBeNull();
    expect(await detectType(Buffer.from("<!doctype html><html><script>alert(1)</script></html>"))).toBeNull();
  });

  it("stores accepted files with the type found in their content and a name with the right extension", async () => {
    const { owner, id } = await draft();
    await addAttachment(id, owner.userId, { lang: "ru", filename: "Отчёт 2026.pdf", data: PDF });
    await addAttachment(id, owner.userId, { lang: "en", filename: "photo", data: PNG });
    await addAttachment(id, owner.userId, { lang: "ru", filename: "scan.JPEG", data: JPEG });
    await addAttachment(id, owner.userId, { lang: "ru", filename: "looks-like.png", data: PDF });
    await addAttachment(id, owner.userId, { lang: "ru", filename: '../../etc/"pass"wd', data: PDF });
    const stored = await rows(id);
    expect(stored.map((f) => [f.filename, f.content_type, f.lang])).toEqual([
      ["Отчёт 2026.pdf", "application/pdf", "ru"],
      ["photo.png", "image/png", "en"],
      ["scan.JPEG", "image/jpeg", "ru"],
      ["looks-like.png.pdf", "application/pdf", "ru"],
      [".._.._etc__pass_wd.pdf", "application/pdf", "ru"],
    ]);
    const first = stored[0]!;
    expect(first.size).toBe(PDF.length);
    expect(first.sha256).toBe(crypto.createHash("sha256").update(PDF).digest("hex"));
    expect(await fs.readFile(pathOf(first.storage_key))).toEqual(PDF);
    expect(pathOf(first.storage_key).startsWith(dataDir)).toBe(true);

    await deleteAttachment(id, owner.userId, first.id);
    await expect(fs.stat(pathOf(first.storage_key))).rejects.toThrow();
    expect(await rows(id)).toHaveLength(4);
  });

  it("refuses a text file named .pdf, other images and HTML, with the wrong-type message", async () => {
    const { owner, id } = await draft();
    expect(await rejection(addAttachment(id, owner.userId, { lang: "ru", filename: "letter.pdf", data: Buffer.from("Dear Sir, this is plain text.\n") }))).toBe(
      "attachment.wrongType",
    );
    expect(await rejection(addAttachment(id, owner.userId, { lang: "ru", filename: "image.png", data: GIF }))).toBe("attachment.wrongType");
    expect(
      await rejection(addAttachment(id, owner.userId, { lang: "ru", filename: "page.jpg", data: Buffer.from("<html><script>alert(1)</script></html>") })),
    ).toBe("attachment.wrongType");
    expect(await rows(id)).toEqual([]);
  });

  it("accepts 10 MB, refuses one byte more with its own message, and refuses an empty file", async () => {
    const { owner, id } = await draft();
    const tenMegabytes = Buffer.alloc(MAX_ATTACHMENT_BYTES, 0x20);
    PDF.copy(tenMegabytes);
    expect(MAX_ATTACHMENT_BYTES).toBe(10 * 1024 * 1024);
    await addAttachment(id, owner.userId, { lang: "ru", filename: "big.pdf", data: tenMegabytes });
    const tooBig = Buffer.concat([tenMegabytes, Buffer.from(" ")]);
    expect(await rejection(addAttachment(id, owner.userId, { lang: "ru", filename: "huge.pdf", data: tooBig }))).toBe("attachment.tooLarge");
    expect(await rejection(addAttachment(id, owner.userId, { lang: "ru", filename: "empty.pdf", data: Buffer.alloc(0) }))).toBe("attachment.empty");
    expect((await rows(id)).map((f) => f.filename)).toEqual(["big.pdf"]);
  });

  it("only members of the appeal's organization add or remove documents", async () => {
    const { owner, id } = await draft();
    const outsider = await newOrganization();
    expect(await rejection(addAttachment(id, outsider.userId, { lang: "ru", filename: "a.pdf", data: PDF }))).toBe("AppError:forbidden");
    await addAttachment(id, owner.userId, { lang: "ru", filename: "a.pdf", data: PDF });
    const [file] = await rows(id);
    expect(await rejection(deleteAttachment(id, outsider.userId, file!.id))).toBe("AppError:forbidden");
    expect(await rejection(deleteAttachment(id, owner.userId, file!.id + 1000))).toBe("AppError:not_found");
  });
});

describe("the upload form", () => {
  function upload(id: number, cookie: string, fields: Record<string, string>, file?: { name: string; data: Buffer; type?: string }) {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    if (file) form.append("file", new File([new Uint8Array(file.data)], file.name, { type: file.type ?? "application/pdf" }));
    const request = new Request(`http://localhost/dashboard/appeals/${id}/attachments`, { method: "POST", headers: { Cookie: cookie }, body: form });
    return uploadAction({ request, params: { id: String(id) }, context: {} });
  }

  async function answer(promise: Promise<Response>) {
    const response = await promise.catch((thrown: unknown) => {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    });
    const text = await response.text();
    const body: { errors: Record<string, string>; values: Record<string, string> } | null = text ? JSON.parse(text) : null;
    return { status: response.status, body };
  }

  it("answers a wrong type, a too large file and an unsupported language beside the field, keeping the language chosen", async () => {
    const { owner, id } = await draft();
    const cookie = await sessionCookie(owner.userId);

    const ok = await answer(upload(id, cookie, { lang: "ru" }, { name: "doc.pdf", data: PDF }));
    expect(ok.status).toBe(200);

    const wrong = await answer(upload(id, cookie, { lang: "en" }, { name: "fake.pdf", data: Buffer.from("not a pdf at all") }));
    expect(wrong.status).toBe(400);
    expect(wrong.body?.errors).toEqual({ file: "attachment.wrongType" });
    expect(wrong.body?.values.lang).toBe("en");

    const big = Buffer.alloc(MAX_ATTACHMENT_BYTES + 100, 0x20);
    PDF.copy(big);
    const tooLarge = await answer(upload(id, cookie, { lang: "kk" }, { name: "big.pdf", data: big }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body?.errors).toEqual({ file: "attachment.tooLarge" });
    expect(tooLarge.body?.values.lang).toBe("kk");

    const badLang = await answer(upload(id, cookie, { lang: "xx" }, { name: "doc.pdf", data: PDF }));
    expect(badLang.status).toBe(400);
    expect(badLang.body?.errors).toEqual({ lang: "appeal.langUnsupported" });

    const empty = await answer(upload(id, cookie, { lang: "ru" }));
    expect(empty.status).toBe(400);
    expect(empty.body?.errors).toEqual({ file: "attachment.empty" });

    expect((await rows(id)).map((f) => f.filename)).toEqual(["doc.pdf"]);
  });

  it("a full disk: nothing half-written stays behind, and the organizer is told so beside the field, keeping the language chosen", async () => {
    const { owner, id } = await draft();
    const cookie = await sessionCookie(owner.userId);
    const write = storageIo.writeFile;
    // Half the file reaches the disk, then the kernel's own ENOSPC (/dev/full is always full).
    storageIo.writeFile = async (file, data) => {
      await fs.writeFile(file, data.subarray(0, data.length >> 1));
      await fs.writeFile("/dev/full", data);
    };
    try {
      const full = await answer(upload(id, cookie, { lang: "kk" }, { name: "doc.pdf", data: PDF }));
      expect(full.status).toBe(507);
      expect(full.body?.errors).toEqual({ file: "attachment.diskFull" });
      expect(full.body?.values.lang).toBe("kk");
    } finally {
      storageIo.writeFile = write;
    }
    expect(await rows(id)).toEqual([]);
    const left = await fs.readdir(path.join(dataDir, "files", "attachments", String(id))).catch(() => []);
    expect(left).toEqual([]);
    expect(isDiskFull(Object.assign(new Error("quota"), { code: "EDQUOT" }))).toBe(true);
    expect(isDiskFull(Object.assign(new Error("denied"), { code: "EACCES" }))).toBe(false);
    // Once there is room again, the same upload works.
    expect((await answer(upload(id, cookie, { lang: "kk" }, { name: "doc.pdf", data: PDF }))).status).toBe(200);
  });

  it("at start-up, upload files (*.tmp) left older than a few minutes are removed; recent ones and stored files stay", async () => {
    const dir = path.join(dataDir, "files", "attachments", "stale-check");
    await fs.mkdir(dir, { recursive: true });
    const old = path.join(dir, "a.pdf.123.tmp");
    const fresh = path.join(dir, "b.pdf.123.tmp");
    const kept = path.join(dir, "c.pdf");
    for (const f of [old, fresh, kept]) await fs.writeFile(f, PDF);
    const hourAgo = new Date(Date.now() - 3600_000);
    await fs.utimes(old, hourAgo, hourAgo);
    await fs.utimes(kept, hourAgo, hourAgo);
    expect(await removeStaleTemp()).toBe(1);
    expect((await fs.readdir(dir)).sort()).toEqual(["b.pdf.123.tmp", "c.pdf"]);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("someone outside the organization gets 403", async () => {
    const { id } = await draft();
    const outsider = await newOrganization();
    const response = await answer(upload(id, await sessionCookie(outsider.userId), { lang: "ru" }, { name: "doc.pdf", data: PDF }));
    expect(response.status).toBe(403);
    expect(await rows(id)).toEqual([]);
  });
});

describe("downloads", () => {
  async function download(slug: string, fileId: number, cookie?: string) {
    const request = new Request(`http://localhost/appeals/${slug}/attachments/${fileId}`, { headers: cookie ? { Cookie: cookie } : {} });
    return downloadLoader({ request, params: { slug, id: String(fileId) }, context: {} }).catch((thrown: unknown) => {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    });
  }

  it("a draft's documents are for its organization only; once published, for everyone", async () => {
    const { owner, id, slug } = await draft();
    await addAttachment(id, owner.userId, { lang: "ru", filename: "Доклад.pdf", data: PDF });
    const [file] = await rows(id);
    const outsider = await newOrganization();

    expect((await download(slug, file!.id)).status).toBe(404);
    expect((await download(slug, file!.id, await sessionCookie(outsider.userId))).status).toBe(404);
    const mine = await download(slug, file!.id, await sessionCookie(owner.userId));
    expect(mine.status).toBe(200);
    expect(mine.headers.get("Cache-Control")).toBe("private, no-store");
    expect(Buffer.from(await mine.arrayBuffer())).toEqual(PDF);

    await saveVersion(id, owner.userId, "ru", { title: "Документы", summary: "", body: "Текст" });
    await addAddressee(id, owner.userId, null, { ru: { name: "Министр", position: "", institution: "" } });
    await publish(id, owner.userId);
    const pub = await download(slug, file!.id);
    expect(pub.status).toBe(200);
    expect(pub.headers.get("Content-Type")).toBe("application/pdf");
    expect(pub.headers.get("Cache-Control")).toMatch(/^public/);
    expect(pub.headers.get("Content-Disposition")).toBe(`attachment; filename="______.pdf"; filename*=UTF-8''${encodeURIComponent("Доклад.pdf")}`);
    expect(Buffer.from(await pub.arrayBuffer())).toEqual(PDF);

    expect((await download("another-slug", file!.id)).status).toBe(404);
    expect((await download(slug, file!.id + 1000)).status).toBe(404);
  });
});

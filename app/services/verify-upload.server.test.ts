import { describe, expect, it } from "vitest";
import { hashUpload } from "./verify-upload.server";

/** The /verify upload parser on its own: bodies a browser never sends are refused, never a crash. */

const BOUNDARY = "----appeals-test";
function upload(body: string) {
  return new Request("http://localhost/verify/ABCD-EFGH-JKLM", {
    method: "POST",
    headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
    body,
  });
}
const filePart = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="letter.pdf"\r\nContent-Type: application/pdf\r\n\r\n`;

describe("hashUpload", () => {
  it("hashes the one file part of a whole form", async () => {
    const result = await hashUpload(upload(`${filePart}%PDF-1.7 letter\r\n--${BOUNDARY}--\r\n`));
    expect(result).toEqual({ ok: true, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("refuses a body that ends inside the file part, without an unhandled stream error", async () => {
    // Before: busboy's file stream emitted "Unexpected end of file" with no listener, which
    // stopped the whole app (found by the fuzz test).
    await expect(hashUpload(upload(`${filePart}%PDF-1.7 half a let`))).resolves.toEqual({ ok: false, reason: "badForm" });
    await expect(hashUpload(upload(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="other"; filename="x"\r\n\r\nabc`))).resolves.toMatchObject({
      ok: false,
    });
  });
});

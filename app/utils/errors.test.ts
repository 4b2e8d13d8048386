import { describe, expect, it } from "vitest";
import { translator, UI_LANGUAGES, type MessageKey } from "../i18n";
import { actionError, type FormReply } from "./action-errors.server";
import { AppError, type AppErrorCode } from "./errors";

const values = { title: "Что было введено", slug: "my-appeal" };

/** actionError's answer: the status and the form's reply, or the status of the page it throws. */
function answer(error: unknown): { status: number; reply: Promise<FormReply> | null; thrown: boolean } {
  try {
    const response = actionError(error, values);
    return { status: response.status, reply: response.json(), thrown: false };
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status, reply: null, thrown: true };
    throw thrown;
  }
}

describe("one error type: the code gives the status", () => {
  it("maps each code to its status", () => {
    const expected: Record<AppErrorCode, number> = {
      not_found: 404,
      forbidden: 403,
      unauthenticated: 401,
      bad_request: 400,
      draft: 400,
      empty: 400,
      blocked: 400,
      busy: 400,
      conflict: 409,
      stale: 409,
      closed: 409,
      too_large: 413,
      too_many: 429,
      storage_full: 507,
    };
    const codes = Object.keys(expected).filter((c): c is AppErrorCode => c in expected);
    expect(codes).toHaveLength(14);
    for (const code of codes) {
      const error = new AppError(code);
      expect(error.status, code).toBe(expected[code]);
      expect(error.code).toBe(code);
      expect(error).toBeInstanceOf(Error);
    }
  });
});

describe("a form's answer follows from the error alone", () => {
  // The refusals the services raise, each with the answer the dashboard has always given.
  const cases: Array<[string, AppError, number, string, MessageKey]> = [
    ["a slug already taken", new AppError("conflict", "appeal.slugTaken", { field: "slug" }), 409, "slug", "appeal.slugTaken"],
    ["a correction without its note", new AppError("conflict", "form.required", { field: "changeNote" }), 409, "changeNote", "form.required"],
    ["an empty file", new AppError("empty", "attachment.empty", { field: "file" }), 400, "file", "attachment.empty"],
    ["a file of the wrong type", new AppError("bad_request", "attachment.wrongType", { field: "file" }), 400, "file", "attachment.wrongType"],
    ["a file too large", new AppError("too_large", "attachment.tooLarge", { field: "file" }), 413, "file", "attachment.tooLarge"],
    ["a full disk", new AppError("storage_full", "attachment.diskFull", { field: "file" }), 507, "file", "attachment.diskFull"],
    ["letters of a draft", new AppError("draft", "letters.draft"), 400, "_form", "letters.draft"],
    ["a language the appeal lacks", new AppError("bad_request", "letters.unknownLang"), 400, "_form", "letters.unknownLang"],
    ["letters not ready", new AppError("conflict", "letters.notReady"), 409, "_form", "letters.notReady"],
    ["a full letter queue", new AppError("busy", "letters.queueFull"), 400, "_form", "letters.queueFull"],
    ["a second update the same day", new AppError("too_many", "updates.tooSoon"), 429, "_form", "updates.tooSoon"],
    ["an update without text", new AppError("empty", "updates.noText"), 400, "_form", "updates.noText"],
    ["the last owner", new AppError("conflict", "dash.lastOwner"), 409, "_form", "dash.lastOwner"],
    ["a closed appeal (no message of its own)", new AppError("closed"), 409, "_form", "form.invalid"],
  ];

  for (const [what, error, status, field, key] of cases) {
    it(`${what}: ${status}, the message on "${field}", what was typed kept`, async () => {
      const { status: answered, reply, thrown } = answer(error);
      expect(thrown).toBe(false);
      expect(answered).toBe(status);
      const body = await reply;
      expect(body).toMatchObject({ ok: false, errors: { [field]: key }, values, problems: [], stale: null });
      // The key is a message the user reads in their own language, not the key itself.
      for (const lang of UI_LANGUAGES) expect(translator(lang).t(key)).not.toBe(key);
    });
  }

  it("a stale edit carries the current revision, a blocked publication its problems; both keep what was typed", async () => {
    const stale = answer(new AppError("stale", undefined, { currentRevision: 7 }));
    expect(stale.status).toBe(409);
    expect(await stale.reply).toMatchObject({ errors: {}, values, stale: 7 });
    const problems = [{ code: "missingBody" as const, lang: "ru" }, { code: "noAddressees" as const }];
    const blocked = answer(new AppError("blocked", undefined, { problems }));
    expect(blocked.status).toBe(400);
    expect(await blocked.reply).toMatchObject({ errors: {}, values, problems });
  });

  it("forbidden and not found are the error pages, not form messages", () => {
    expect(answer(new AppError("forbidden"))).toMatchObject({ status: 403, thrown: true });
    expect(answer(new AppError("not_found"))).toMatchObject({ status: 404, thrown: true });
  });

  it("anything else is a bug and propagates, even when its message looks like a message key", () => {
    const lookalike = new Error("letters.notReady");
    expect(() => actionError(lookalike, values)).toThrow(lookalike);
    const plain = new TypeError("x is undefined");
    expect(() => actionError(plain, values)).toThrow(plain);
  });
});

import { describe, expect, it } from "vitest";
import { AppError } from "../../app/utils/errors";
import { explain } from "./cli";

/** The letter CLI's sentences (scripts/letter.ts): chosen by the refusal's code. */
const sentences = { draft: "the appeal is still a draft: publish it first", bad_request: 'the appeal has no version in "de"' };

describe("a CLI reports a service's refusal by its code", () => {
  it("gives the command's sentence for the code, keeping the refusal as the cause", () => {
    const draft = new AppError("draft", "letters.draft");
    const said = explain(draft, sentences);
    expect(said).toBeInstanceOf(Error);
    expect(said).toMatchObject({ message: "the appeal is still a draft: publish it first", cause: draft });
    expect(explain(new AppError("bad_request", "letters.unknownLang"), sentences)).toMatchObject({ message: 'the appeal has no version in "de"' });
  });

  it("passes on what it has no sentence for, and never reads a message's text", () => {
    const forbidden = new AppError("forbidden");
    expect(explain(forbidden, sentences)).toBe(forbidden);
    // An error that merely says "letters.draft" is not the draft refusal.
    const lookalike = new Error("letters.draft");
    expect(explain(lookalike, sentences)).toBe(lookalike);
    expect(explain("letters.draft", sentences)).toBe("letters.draft");
  });
});

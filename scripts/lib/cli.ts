import { parseArgs, type ParseArgsConfig } from "node:util";
import { AppError, type AppErrorCode } from "../../app/utils/errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * The options of a command-line tool, parsed strictly. A bad argument (unknown option, missing
 * value, stray positional) ends the process with exit code 2 and one line: what was wrong and
 * how to call the command — never a stack trace.
 */
export function cliOptions<const O extends Options>(options: O, usage: string, args: string[] = process.argv.slice(2)) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), usage);
  }
}

/** Prints one line ("<reason>. <usage>") on stderr and exits with code 2 (a usage error). */
export function fail(reason: string, usage: string): never {
  console.error(`${reason.replace(/[.\s]+$/, "")}. ${usage}`);
  process.exit(2);
}

/**
 * What an operator reads when a service refuses: the sentence this command gives for the
 * AppError's code, else the error as it was. Chosen by the code, never by the message's text.
 */
export function explain(error: unknown, sentences: Partial<Record<AppErrorCode, string>>): unknown {
  const sentence = error instanceof AppError ? sentences[error.code] : undefined;
  return sentence === undefined ? error : new Error(sentence, { cause: error });
}

import { parseArgs, type ParseArgsConfig } from "node:util";

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

/**
 * The records of a CSV file as the letter embeds them (docs/verification.md §1.6): UTF-8 without
 * a byte-order mark, every line ended by LF, RFC 4180 quoting where a field holds `"`, `,`, CR or
 * LF and nowhere else. Strict and streaming: anything else throws CsvError naming the line; one
 * record may be at most MAX_RECORD characters, so a never-closed quote cannot fill the memory.
 */

export class CsvError extends Error {}

const MAX_RECORD = 256 * 1024;

/** Splits one complete record (quotes balanced) into its fields. */
export function parseRecord(record: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (record[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) throw new CsvError(`line ${line}: a quoted field is not closed`);
        value += record.slice(i, q);
        if (record[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (!/[",\r\n]/.test(value)) throw new CsvError(`line ${line}: a field is quoted that needs no quotes`);
      out.push(value);
      if (i === record.length) return out;
      if (record[i] !== ",") throw new CsvError(`line ${line}: text after a closing quote`);
      i++;
    } else {
      const comma = record.indexOf(",", i);
      const value = comma < 0 ? record.slice(i) : record.slice(i, comma);
      if (/["\r\n]/.test(value)) throw new CsvError(`line ${line}: a field holds ${value.includes("\r") ? "a CR" : "a quote"} without being quoted`);
      out.push(value);
      if (comma < 0) return out;
      i = comma + 1;
    }
  }
}

const quotes = (s: string) => {
  let n = 0;
  for (let at = s.indexOf('"'); at >= 0; at = s.indexOf('"', at + 1)) n++;
  return n;
};

/** The records of a CSV byte stream, each with the number of the line it starts on (1-based). */
export async function* csvRecords(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<{ fields: string[]; line: number }> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let carry = "";
  let pending: string | null = null;
  let pendingLine = 0;
  let line = 0;
  let first = true;
  const take = (text: string) => {
    const records: { fields: string[]; line: number }[] = [];
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      line++;
      const record: string = pending === null ? piece : `${pending}\n${piece}`;
      if (pending === null) pendingLine = line;
      if (quotes(record) % 2 === 1) {
        if (record.length > MAX_RECORD) throw new CsvError(`line ${pendingLine}: a record longer than ${MAX_RECORD} characters (an unclosed quote?)`);
        pending = record;
        continue;
      }
      pending = null;
      records.push({ fields: parseRecord(record, pendingLine), line: pendingLine });
    }
    carry = text.slice(start);
    if (carry.length > MAX_RECORD) throw new CsvError(`line ${line + 1}: a line longer than ${MAX_RECORD} characters`);
    return records;
  };
  const decode = (chunk: Uint8Array | undefined) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new CsvError(`line ${line + 1} or later: the file is not valid UTF-8`);
    }
  };
  for await (const chunk of chunks) {
    let text = decode(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) throw new CsvError("line 1: the file starts with a byte-order mark");
      first = false;
    }
    text = carry + text;
    yield* take(text);
  }
  const rest = carry + decode(undefined);
  if (rest !== "" || pending !== null)
    throw new CsvError(
      `line ${pending !== null ? pendingLine : line + 1}: the last line does not end with LF${pending !== null ? " (an unclosed quote?)" : ""}`,
    );
}

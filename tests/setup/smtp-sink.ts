import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  attachments: Array<{ filename: string; contentType: string; size: number; content: Buffer }>;
  receivedAt: number;
  /** The message exactly as it came over SMTP (RFC 822 headers and body), for outside tools. */
  raw: Buffer;
}

function toMail(parsed: ParsedMail, envelopeTo: string[], raw: Buffer): ReceivedMail {
  const headers: Record<string, string> = {};
  for (const line of parsed.headerLines) headers[line.key] = line.line.slice(line.key.length + 1).trim();
  return {
    to: envelopeTo,
    from: parsed.from?.text ?? "",
    subject: parsed.subject ?? "",
    text: parsed.text ?? "",
    html: typeof parsed.html === "string" ? parsed.html : "",
    headers,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? "",
      contentType: a.contentType,
      size: a.size,
      content: a.content,
    })),
    receivedAt: Date.now(),
    raw,
  };
}

/**
 * A real SMTP server on 127.0.0.1 that keeps what it receives, for tests: nodemailer in the
 * app talks SMTP to it exactly as it would to a mail relay. `rejectWith` makes it refuse mail
 * (a temporary 451 or a permanent 550) to test retries.
 *
 * `{ parse: false }` (the benches) keeps each message's raw bytes only, and parses them when
 * `parseReceived()` is called: parsing with mailparser as the mail arrives cost the bench's own
 * process ~1 ms of CPU per e-mail, taken from the two cores the app under test runs on.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  rejectWith: { code: number; message: string } | null = null;
  private server: SMTPServer;
  private readonly parse: boolean;
  private unparsed: Array<{ raw: Buffer; to: string[]; receivedAt: number }> = [];
  port = 0;

  constructor(options: { parse?: boolean } = {}) {
    this.parse = options.parse ?? true;
    this.server = this.create();
  }

  /** Messages received so far, parsed or not. */
  get received(): number {
    return this.messages.length + this.unparsed.length;
  }

  /** Parses the messages kept raw (`{ parse: false }`) into `messages`, in the order they came. */
  async parseReceived(): Promise<void> {
    const batch = this.unparsed;
    this.unparsed = [];
    for (const { raw, to, receivedAt } of batch) this.messages.push({ ...toMail(await simpleParser(raw), to, raw), receivedAt });
  }

  /** Connection errors seen (a client killed mid-session resets its socket): kept, never thrown. */
  readonly connectionErrors: Error[] = [];

  private create() {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      size: 50 * 1024 * 1024,
      onRcptTo: (address, _session, callback) => {
        if (this.rejectWith) {
          const error = new Error(this.rejectWith.message) as Error & { responseCode: number };
          error.responseCode = this.rejectWith.code;
          return callback(error);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("error", (error: Error) => callback(error));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks);
          if (!this.parse) {
            this.unparsed.push({ raw, to, receivedAt: Date.now() });
            return callback();
          }
          simpleParser(raw)
            .then((parsed) => {
              this.messages.push(toMail(parsed, to, raw));
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
    server.on("error", (error: Error) => this.connectionErrors.push(error));
    return server;
  }

  async start(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const server = (this.server as unknown as { server: import("node:net").Server }).server;
      server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = (this.server as unknown as { server: { address(): AddressInfo } }).server.address();
    this.port = address.port;
    return this.port;
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Stops listening (connections are refused) until `start()` is called again on the same port. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.create();
  }

  to(address: string): ReceivedMail[] {
    const wanted = address.toLowerCase();
    return this.messages.filter((m) => m.to.some((t) => t.toLowerCase() === wanted));
  }

  async waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs = 15_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching e-mail within ${timeoutMs} ms (have ${this.messages.length})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

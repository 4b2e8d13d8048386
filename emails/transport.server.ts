import nodemailer from "nodemailer";

/** One e-mail as the outbox hands it to SMTP: everything already rendered, files already read. */
export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  attachments: Array<{ filename: string; content: Buffer; contentType: string }>;
  /** A stable Message-ID (`<...@...>`), so a receiver can drop a duplicate of a retried mail. */
  messageId?: string;
}

export interface MailTransport {
  /** Resolves once the SMTP server accepted the message; rejects with nodemailer's error. */
  send: (mail: OutgoingMail) => Promise<void>;
  /** Closes the pooled connections (idle ones at once, busy ones after their message). */
  close: () => void;
}

export interface TransportOptions {
  /** `smtp://user:pass@host:port` or `smtps://...` (SMTP_URL). */
  url: string;
  /** The From header (MAIL_FROM). */
  from: string;
  /** Parallel SMTP connections. */
  maxConnections?: number;
}

/**
 * A pooled SMTP transport: a few long-lived connections, each carrying many messages.
 * Timeouts are short so a stalled relay fails a send (and the outbox retries it) well within
 * the outbox lease. The pool does not re-queue a message on a dropped connection
 * (`maxRequeues: 0`): the outbox owns retries, with its own backoff and bookkeeping.
 */
export function createMailTransport(options: TransportOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.maxConnections ?? 8,
    maxMessages: 100_000,
    maxRequeues: 0,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    send: async (mail) => {
      await transporter.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
        attachments: mail.attachments,
        messageId: mail.messageId,
      });
    },
    close: () => transporter.close(),
  };
}

function smtpError(error: unknown): { code?: string; responseCode?: number; message: string } {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  const responseCode = "responseCode" in error && typeof error.responseCode === "number" ? error.responseCode : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return { code, responseCode, message };
}

/**
 * A rejection that retrying the same message would get again: a 5xx reply (except 503, a
 * session-state error), or an envelope nodemailer itself refuses (no valid recipient).
 */
export function isPermanentSmtpError(error: unknown): boolean {
  const { code, responseCode } = smtpError(error);
  if (responseCode !== undefined) return responseCode >= 500 && responseCode < 600 && responseCode !== 503;
  return code === "EENVELOPE";
}

const ANY_ADDRESS = /[^\s<>()[\]"',;:@]+@[^\s<>()[\]"',;:@]+/g;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Masks e-mail addresses: the known ones (the recipient, in any letter case) and anything
 * else shaped like an address, since relays echo the address back in their replies.
 */
export function redactAddresses(text: string, known: string[] = []): string {
  let out = text;
  for (const address of known) {
    if (address) out = out.replace(new RegExp(escapeRegExp(address), "gi"), "[email]");
  }
  return out.replace(ANY_ADDRESS, "[email]");
}

/** A one-line, address-free description of a failed send, for `outbox.last_error` and logs. */
export function describeSendError(error: unknown, addresses: string[] = []): string {
  const { code, responseCode, message } = smtpError(error);
  const prefix = [code, responseCode].filter((part) => part !== undefined).join(" ");
  const line = (prefix ? `${prefix}: ${message}` : message).replace(/\s+/g, " ").trim();
  return redactAddresses(line, addresses).slice(0, 500);
}

/** `Appeals <no-reply@appeals.example>` → `appeals.example`, for our Message-IDs. */
export function senderDomain(from: string): string {
  const match = /@([^\s>]+)>?\s*$/.exec(from.trim());
  return match?.[1] ?? "localhost";
}

import crypto from "node:crypto";
import { domainToASCII } from "node:url";
import nodemailer from "nodemailer";
import addressparser from "nodemailer/lib/addressparser";
import { buildHeaderParam, encodeWords, foldLines, quoteString } from "nodemailer/lib/mime-funcs";
import { encode as qpEncode, wrap as qpWrap } from "nodemailer/lib/qp";
import { randomBytes } from "../app/utils/random.server";
import { SENDER_NAME_HEADER } from "./neutral.js";

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
  /** The From header (MAIL_FROM), e.g. `Appeals <no-reply@appeals.example>`. */
  from: string;
  /** Parallel SMTP connections. */
  maxConnections?: number;
}

/*
 * Composing the MIME message. nodemailer's composer builds every message through a tree of
 * Node streams: 0.8-1 ms of CPU per message on this machine, more than everything else the
 * worker does. Our mails all have one shape (text + HTML, a few headers, maybe attachments),
 * so we build the bytes directly (0.05 ms), with nodemailer's own encoders for the tricky
 * parts (RFC 2047 words, folding, RFC 2231 parameters, quoted-printable), and hand nodemailer
 * the raw message.
 */

/** A mail that can never be sent as it is (a programming error): failed, not retried. */
export class InvalidMailError extends Error {}

const CRLF = "\r\n";
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
const MIME_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

/** An address with its domain in ASCII (IDNA), as SMTP and the headers need it. */
function asciiAddress(address: string): string {
  const at = address.lastIndexOf("@");
  if (at < 0) return address;
  const domain = address.slice(at + 1);
  return `${address.slice(0, at)}@${PRINTABLE_ASCII.test(domain) ? domain : domainToASCII(domain) || domain}`;
}

function headerLine(name: string, value: string): string {
  if (!HEADER_NAME.test(name)) throw new InvalidMailError(`invalid header name: ${name}`);
  const clean = value.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  return foldLines(`${name}: ${PRINTABLE_ASCII.test(clean) ? clean : encodeWords(clean, "Q", 52)}`, 76);
}

/** `senderName` (a minimal-data appeal's neutral name) replaces MAIL_FROM's display name; the address stays. */
function mailboxHeader(from: string, senderName?: string): { header: string; address: string } {
  const parsed = addressparser(from, { flatten: true })[0];
  if (!parsed?.address) throw new Error("MAIL_FROM holds no e-mail address");
  const address = asciiAddress(parsed.address);
  const name = (senderName ?? parsed.name).replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  if (!name) return { header: address, address };
  const display = PRINTABLE_ASCII.test(name) ? quoteString(name) : encodeWords(name, "Q", 52);
  return { header: `${display} <${address}>`, address };
}

function textPart(type: "text/plain" | "text/html", content: string): string {
  const body = content.replace(/\r\n|\r|\n/g, CRLF);
  const plain = /^[\x00-\x7f]*$/.test(body) && !/[^\r\n]{77}/.test(body);
  return [
    `Content-Type: ${type}; charset=utf-8`,
    `Content-Transfer-Encoding: ${plain ? "7bit" : "quoted-printable"}`,
    "",
    plain ? body : qpWrap(qpEncode(body), 76),
  ].join(CRLF);
}

function attachmentPart(a: OutgoingMail["attachments"][number]): string {
  const param = (key: string) =>
    buildHeaderParam(key, a.filename, 50)
      .map((p) => `;${CRLF} ${p.key}=${p.key.endsWith("*") ? p.value : quoteString(p.value)}`)
      .join("");
  return [
    `Content-Type: ${MIME_TYPE.test(a.contentType) ? a.contentType : "application/octet-stream"}${param("name")}`,
    "Content-Transfer-Encoding: base64",
    `Content-Disposition: attachment${param("filename")}`,
    "",
    a.content.toString("base64").replace(/.{76}(?!$)/g, `$&${CRLF}`),
  ].join(CRLF);
}

/**
 * A boundary of 144 random bits per part, never derived from a counter or the time: a recipient
 * who sees one message's boundaries cannot predict the next message's (a predictable boundary
 * lets text typed into a form close a part and open one of its own). "=_" cannot occur in
 * quoted-printable or base64 bodies.
 */
export function mimeBoundary(): string {
  return `=_${randomBytes(18).toString("base64url")}`;
}

function multipart(subtype: "alternative" | "mixed", parts: string[]): { type: string; body: string } {
  const boundary = mimeBoundary();
  return {
    type: `multipart/${subtype}; boundary="${boundary}"`,
    body: `${parts.map((p) => `--${boundary}${CRLF}${p}${CRLF}`).join("")}--${boundary}--${CRLF}`,
  };
}

/** The whole message (headers and body) as SMTP DATA, and the envelope recipient. */
export function composeMessage(mail: OutgoingMail, from: string, date = new Date()): { raw: Buffer; from: string; to: string; messageId: string } {
  const { [SENDER_NAME_HEADER]: senderName, ...extraHeaders } = mail.headers;
  const sender = mailboxHeader(from, senderName);
  const to = asciiAddress(mail.to);
  const alternative = multipart("alternative", [textPart("text/plain", mail.text), textPart("text/html", mail.html)]);
  const content =
    mail.attachments.length === 0
      ? alternative
      : multipart("mixed", [`Content-Type: ${alternative.type}${CRLF}${CRLF}${alternative.body}`, ...mail.attachments.map(attachmentPart)]);
  const messageId = mail.messageId ?? `<${crypto.randomUUID()}@${senderDomain(from)}>`;
  const headers = [
    `From: ${sender.header}`,
    `To: ${to}`,
    headerLine("Subject", mail.subject),
    `Date: ${date.toUTCString().replace(/GMT$/, "+0000")}`,
    headerLine("Message-ID", messageId),
    "MIME-Version: 1.0",
    ...Object.entries(extraHeaders).map(([name, value]) => headerLine(name, value)),
    `Content-Type: ${content.type}`,
  ];
  return { raw: Buffer.from(`${headers.join(CRLF)}${CRLF}${CRLF}${content.body}`), from: sender.address, to, messageId };
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
      const message = composeMessage(mail, options.from);
      // The Message-ID is in the raw bytes already; given here too, nodemailer does not draw one of
      // its own for its log (two random reads per mail in the outbox's profile).
      await transporter.sendMail({ envelope: { from: message.from, to: [message.to] }, raw: message.raw, messageId: message.messageId });
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
 * session-state error), an envelope nodemailer itself refuses (no valid recipient), or a
 * mail we cannot compose.
 */
export function isPermanentSmtpError(error: unknown): boolean {
  if (error instanceof InvalidMailError) return true;
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
  const prefix = [code, responseCode].filter((part) => part !== undefined && !message.startsWith(`${part}`)).join(" ");
  const line = (prefix ? `${prefix}: ${message}` : message).replace(/\s+/g, " ").trim();
  return redactAddresses(line, addresses).slice(0, 500);
}

/** `Appeals <no-reply@appeals.example>` → `appeals.example`, for our Message-IDs. */
export function senderDomain(from: string): string {
  const match = /@([^\s>]+)>?\s*$/.exec(from.trim());
  return match?.[1] ?? "localhost";
}

import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** Columns with a database default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type Role = "owner" | "editor";
export type AppealStatus = "draft" | "published" | "closed" | "delivered";
export type FieldMode = "off" | "optional" | "required";
export type SignatureSource = "web" | "paper";
export type Disclosure = "public" | "initials" | "private";
export type SignatureStatus = "pending" | "confirmed" | "withdrawn" | "removed";
export type TokenPurpose = "confirm" | "reject" | "withdraw" | "unsubscribe" | "receipt";
export type LetterStatus = "pending" | "running" | "ready" | "failed";
export type OutboxStatus = "pending" | "sent" | "failed" | "kept";

export interface AddresseeText {
  name: string;
  position: string;
  institution: string;
}

/** One language version's text. */
export interface VersionText {
  title: string;
  summary: string;
  body: string;
}

/** What a revision freezes: every language version and the addressees, as published. */
export interface RevisionContent {
  versions: Record<string, { title: string; summary: string; body: string }>;
  addressees: Array<{ id: number; email: string | null; translations: Record<string, AddresseeText> }>;
}

export interface OutboxAttachment {
  filename: string;
  /** A key of the storage module (under DATA_DIR). */
  storageKey: string;
  contentType: string;
}

export interface OrganizationsTable {
  id: Generated<number>;
  name: string;
  /** Where addressees' replies to delivery e-mails go (Reply-To); required before delivering. */
  contact_email: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  /** The organization's OpenPGP public key (armored) and its fingerprint: letters encrypted for an addressee are encrypted to it too. */
  openpgp_key: ColumnType<string | null, string | null | undefined, string | null>;
  openpgp_fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UsersTable {
  id: Generated<number>;
  /** seal(address, "email") (app/services/data-key.server.ts); found by email_key, opened to read. */
  email: string;
  /** emailLookup(address): the unique keyed hash sign-in and invitations find the account by. */
  email_key: ColumnType<string | null, string | null | undefined, string | null>;
  name: string | null;
  session_version: Defaulted<number>;
  created_at: Timestamp;
}

export interface MembershipsTable {
  organization_id: number;
  user_id: number;
  role: Role;
  created_at: Timestamp;
}

export interface LoginTokensTable {
  id: Generated<number>;
  user_id: number;
  token_hash: Buffer;
  expires_at: Date | string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface AppealsTable {
  id: Generated<number>;
  organization_id: number;
  slug: string;
  original_language: string;
  status: Defaulted<AppealStatus>;
  goal: number | null;
  closes_at: NullableTimestamp;
  field_city: Defaulted<FieldMode>;
  field_country: Defaulted<FieldMode>;
  field_organization: Defaulted<FieldMode>;
  field_position: Defaulted<FieldMode>;
  show_public_list: Defaulted<boolean>;
  current_revision: Defaulted<number>;
  created_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  published_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
  retention_done_at: NullableTimestamp;
  /** The next leaf index of the appeal's signatory ledger (taken on confirmation). */
  ledger_size: Defaulted<number>;
}

export interface AppealVersionsTable {
  appeal_id: number;
  lang: string;
  title: Defaulted<string>;
  summary: Defaulted<string>;
  body: Defaulted<string>;
  /**
   * The original's text when this version was last saved (a translation's "basis"): differing from
   * the original's working copy now, the translation is stale. Null: not known, never flagged.
   */
  basis: ColumnType<VersionText | null, string | null | undefined, string | null>;
}

export interface AddresseesTable {
  id: Generated<number>;
  appeal_id: number;
  position: number;
  email: string | null;
  translations: ColumnType<Record<string, AddresseeText>, string | undefined, string>;
  /** The language of the letter this addressee receives; null (rows written by hand): the original's. */
  letter_language: ColumnType<string | null, string | null | undefined, string | null>;
  /** The addressee's OpenPGP public key (armored) and its fingerprint: their letter is sent encrypted to it. */
  openpgp_key: ColumnType<string | null, string | null | undefined, string | null>;
  openpgp_fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AppealRevisionsTable {
  appeal_id: number;
  number: number;
  change_note: Defaulted<string>;
  content: ColumnType<RevisionContent, string, string>;
  created_by: number | null;
  created_at: Timestamp;
}

export interface AttachmentsTable {
  id: Generated<number>;
  appeal_id: number;
  lang: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  storage_key: string;
  created_at: Timestamp;
  /** The response this file came with (the institution's letter); null: a supporting document of the appeal. */
  update_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SignaturesTable {
  id: Generated<number>;
  appeal_id: number;
  revision: number;
  lang: string;
  status: Defaulted<SignatureStatus>;
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  disclosure: Disclosure;
  keep_informed: Defaulted<boolean>;
  email: string | null;
  email_key: string | null;
  ip_hash: string | null;
  hidden: Defaulted<boolean>;
  removed_reason: string | null;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
  withdrawn_at: NullableTimestamp;
  removed_at: NullableTimestamp;
  removed_by: number | null;
  /** The signature's leaf in the appeal's ledger and its 32-byte salt, set on confirmation. */
  ledger_index: number | null;
  ledger_salt: Buffer | null;
  /** 'web' (the sign form) or 'paper' (entered by an organizer from a paper sheet; never an address). */
  source: Defaulted<SignatureSource>;
  /** The organizer who entered a paper signature. */
  entered_by: number | null;
}

export interface SignatureTokensTable {
  token_hash: Buffer;
  signature_id: number;
  purpose: TokenPurpose;
  expires_at: Date | string;
  used_at: NullableTimestamp;
}

export interface CountDeltasTable {
  id: Generated<number>;
  appeal_id: number;
  confirmed: Defaulted<number>;
  pending: Defaulted<number>;
}

export interface AppealCountsTable {
  appeal_id: number;
  confirmed: Defaulted<number>;
  pending: Defaulted<number>;
  updated_at: Timestamp;
}

export interface OutboxTable {
  id: Generated<number>;
  kind: string;
  to_address: string;
  subject: string;
  html: string;
  text: string;
  /** A mail queued as a template and its values (emails/stored.ts), sealed; '' when subject, html and text hold it. */
  template: Defaulted<string>;
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  attachments: ColumnType<OutboxAttachment[], string | undefined, string>;
  status: Defaulted<OutboxStatus>;
  attempts: Defaulted<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
  /** 0 confirmations, 1 sign-in and other answers, 2 updates and letters (generated from kind). */
  priority: ColumnType<number, never, never>;
}

export interface AbuseEventsTable {
  id: Generated<number>;
  kind: string;
  appeal_id: number | null;
  created_at: Timestamp;
}

export interface LettersTable {
  id: Generated<number>;
  appeal_id: number;
  code: string;
  lang: string;
  revision: number;
  count: number;
  digest: string;
  file_sha256: string | null;
  storage_key: string | null;
  status: Defaulted<LetterStatus>;
  /** 'single': one language; 'combined': the original followed by its translations. */
  kind: Defaulted<"single" | "combined">;
  progress: Defaulted<number>;
  pages: number | null;
  size: number | null;
  flagged_names: ColumnType<string[], string | undefined, string>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  error: string | null;
  created_by: number | null;
  created_at: Timestamp;
  /** Times generation was started; a letter interrupted too often is marked failed. Also the claim's number: only its holder stores a result. */
  attempts: Defaulted<number>;
  /** Until when the worker that claimed it holds it (renewed while it works); past it, it may be queued again. */
  lease_until: NullableTimestamp;
  /** The signatory ledger the letter holds (size and 32-byte root), set when generated. */
  tree_size: number | null;
  tree_root: Buffer | null;
}

/**
 * The leaf hash of every signature ever confirmed, per appeal (app/ledger/); never deleted while
 * the appeal exists. withdrawn_at: when the signature stopped being confirmed (set by trigger).
 */
export interface LedgerLeavesTable {
  appeal_id: number;
  leaf_index: number;
  leaf_hash: Buffer;
  created_at: Timestamp;
  withdrawn_at: NullableTimestamp;
}

/** The RFC 9162 consistency proof from an earlier letter's tree to a later letter's (hashes concatenated). */
export interface LetterConsistencyTable {
  letter_id: number;
  earlier_letter_id: number;
  proof: Buffer;
}

export interface DeliveriesTable {
  id: Generated<number>;
  appeal_id: number;
  letter_id: number;
  addressee_id: number | null;
  outbox_id: number | null;
  created_by: number | null;
  created_at: Timestamp;
}

export interface UpdatesTable {
  id: Generated<number>;
  appeal_id: number;
  kind: "update" | "response";
  content: ColumnType<Record<string, { title: string; body: string }>, string, string>;
  created_by: number | null;
  created_at: Timestamp;
  recipients: Defaulted<number>;
  /** A response: the day it was received, and who answered (their texts per language, as recorded). */
  received_on: ColumnType<string | null, string | null | undefined, string | null>;
  addressee_id: ColumnType<number | null, number | null | undefined, number | null>;
  addressee: ColumnType<Record<string, AddresseeText> | null, string | null | undefined, string | null>;
}

export interface ExportsTable {
  id: Generated<number>;
  appeal_id: number;
  user_id: number | null;
  purpose: string;
  with_emails: boolean;
  created_at: Timestamp;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  login_tokens: LoginTokensTable;
  appeals: AppealsTable;
  appeal_versions: AppealVersionsTable;
  addressees: AddresseesTable;
  appeal_revisions: AppealRevisionsTable;
  attachments: AttachmentsTable;
  signatures: SignaturesTable;
  ledger_leaves: LedgerLeavesTable;
  letter_consistency: LetterConsistencyTable;
  signature_tokens: SignatureTokensTable;
  count_deltas: CountDeltasTable;
  appeal_counts: AppealCountsTable;
  outbox: OutboxTable;
  abuse_events: AbuseEventsTable;
  letters: LettersTable;
  deliveries: DeliveriesTable;
  updates: UpdatesTable;
  exports: ExportsTable;
}

export type Appeal = Selectable<AppealsTable>;
export type NewAppeal = Insertable<AppealsTable>;
export type AppealUpdate = Updateable<AppealsTable>;
export type Signature = Selectable<SignaturesTable>;
export type OutboxRow = Selectable<OutboxTable>;

/** Server-side sessions (app/services/session.server.ts): only the SHA-256 of the cookie's id. */
export interface SessionsTable {
  id_hash: Buffer;
  user_id: number;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Date | string;
}

// Declaration merging keeps this addition self-contained.
export interface Database {
  sessions: SessionsTable;
}

/** An organization's signing identity (app/services/signing-identity.server.ts); the key is encrypted at rest. */
export interface SigningIdentitiesTable {
  id: Generated<number>;
  organization_id: number;
  certificate: Buffer;
  chain: Defaulted<Buffer[]>;
  /** "AB:CD:…", the SHA-256 of the certificate's DER. */
  fingerprint: string;
  private_key_encrypted: Buffer;
  source: "generated" | "uploaded";
  created_at: Timestamp;
  retired_at: NullableTimestamp;
}

export interface LettersTable {
  /** The fingerprint of the certificate the letter's PDF is signed with (null: made before signing); it finds the identity too. */
  signer_fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
}

// Declaration merging keeps this addition self-contained.
export interface Database {
  signing_identities: SigningIdentitiesTable;
}

export interface AppealsTable {
  /** The minimal-data preset (issue 14 point 2): signing.server (no IP hash, address erased at confirmation), emails/neutral.ts, retention.server (due at once). */
  minimal_data: Defaulted<boolean>;
}

/**
 * The rate limits' counters when LIMITS_STORE=postgres (rate-limiter-flexible's RateLimiterPostgres
 * layout: key = "<limiter>:<client hash>", expire in ms since the epoch). UNLOGGED: lost on a crash,
 * which only forgets who was near a limit.
 */
export interface RateLimitsTable {
  key: string;
  points: Defaulted<number>;
  expire: number | null;
}

export interface Database {
  rate_limits: RateLimitsTable;
}

export type OrganizationStatus = "active" | "pending";

/** Self-registration (issue 17 item 6, ORG_REGISTRATION; app/services/registration.server.ts). */
export interface OrganizationsTable {
  /** "pending": registered while ORG_REGISTRATION=approval, until `npm run org:approve`; cannot publish. */
  status: Defaulted<OrganizationStatus>;
  description: ColumnType<string | null, string | null | undefined, string | null>;
  /** The owner's language at registration (the approval e-mail's). */
  registered_lang: ColumnType<string | null, string | null | undefined, string | null>;
  approved_at: NullableTimestamp;
}

/** A registration waiting for its e-mailed link; address sealed, token as its SHA-256, wiped when used. */
export interface OrgRegistrationsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  /** seal(address, "email"); null once the link was used. */
  email: string | null;
  lang: string;
  token_hash: Buffer;
  expires_at: Date | string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface Database {
  org_registrations: OrgRegistrationsTable;
}

import crypto from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

/**
 * An organization's signing identity: a private key and its X.509 certificate (plus any CA
 * certificates above it, for an uploaded PKCS#12). Pure: nothing here reads or writes the database
 * or the disk; keeping the key encrypted at rest is the caller's job.
 *
 * The default identity is an ECDSA P-256 key and a self-signed certificate. P-256 because poppler's
 * pdfsig (NSS) verifies it, signing is ~100x faster than RSA-3072 and the CMS stays small; RSA keys
 * from an uploaded PKCS#12 sign too (see sign.server.ts).
 */

export interface SigningIdentity {
  privateKey: crypto.KeyObject;
  /** The signer's certificate, DER. */
  certificate: Buffer;
  /** CA certificates above it (DER), nearest first; empty for a self-signed certificate. */
  chain: Buffer[];
}

export const OID = {
  commonName: "2.5.4.3",
  organizationName: "2.5.4.10",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  subjectKeyIdentifier: "2.5.29.14",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  rsaEncryption: "1.2.840.113549.1.1.1",
  ecPublicKey: "1.2.840.10045.2.1",
  sha256: "2.16.840.1.101.3.4.2.1",
} as const;

/** "AB:CD:…" — the SHA-256 of the certificate's DER, as browsers and `openssl x509 -fingerprint -sha256` print it. */
export function certificateFingerprint(certificate: Buffer): string {
  return crypto
    .createHash("sha256")
    .update(certificate)
    .digest("hex")
    .toUpperCase()
    .replace(/(..)(?!$)/g, "$1:");
}

/** The signature algorithm a key signs SHA-256 digests with, for CMS and certificates. */
export function signatureAlgorithm(key: crypto.KeyObject): pkijs.AlgorithmIdentifier {
  switch (key.asymmetricKeyType) {
    case "ec":
      return new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 });
    case "rsa":
      return new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256WithRsa, algorithmParams: new asn1js.Null() });
    default:
      throw new Error(`unsupported signing key type: ${key.asymmetricKeyType ?? "unknown"}`);
  }
}

/** Signs `data` with SHA-256: DER-encoded ECDSA (r, s) or PKCS#1 v1.5 RSA, as CMS and X.509 expect. */
export function signBytes(key: crypto.KeyObject, data: Uint8Array): Buffer {
  return crypto.sign("sha256", data, { key, dsaEncoding: "der" });
}

/** X.520 upper bounds for these attributes are 64 characters (RFC 5280 appendix A). */
function nameValue(text: string): string {
  const chars = Array.from(text.replace(/\s+/g, " ").trim());
  return (chars.length > 64 ? chars.slice(0, 64) : chars).join("") || "-";
}

/** O=<org>, CN=<org>: two RDNs (pkijs would put every attribute in one multi-valued RDN, "O=…+CN=…"). */
function distinguishedName(orgName: string): pkijs.RelativeDistinguishedNames {
  const value = nameValue(orgName);
  const rdn = (type: string) => new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type, value: new asn1js.Utf8String({ value }) }).toSchema()] });
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: [rdn(OID.organizationName), rdn(OID.commonName)] }).toBER(false));
}

function toBuffer(data: ArrayBuffer): Buffer {
  return Buffer.from(new Uint8Array(data));
}

function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

export interface CreateIdentityOptions {
  /** The certificate's notBefore (default: now, less an hour for clocks that lag). */
  now?: Date;
  /** Validity in years (default 10: letters must keep verifying long after they are sent). */
  years?: number;
  /** "ec" (P-256, the default) or "rsa" (3072 bits). */
  keyType?: "ec" | "rsa";
}

/**
 * A new key pair and a self-signed certificate naming the organization (CN and O, cut to 64
 * characters). Key usage: digitalSignature, nonRepudiation (contentCommitment) and keyCertSign;
 * basicConstraints CA:TRUE with pathLenConstraint 0.
 *
 * Why a CA flag on a signing certificate: a self-signed certificate is trusted only as a trust
 * anchor, and NSS (pdfsig, Firefox, Thunderbird) accepts an anchor only with CA:TRUE: with CA:FALSE
 * an addressee who imports it (`certutil -A -t CT,C,C`) still gets "Certificate issuer is unknown",
 * with CA:TRUE pdfsig says "Certificate is Trusted." (tested in sign.test.ts). pathLen 0 means it
 * can vouch for nothing beyond certificates it signs itself, and it signs none.
 */
export function createSigningIdentity(orgName: string, options: CreateIdentityOptions = {}): SigningIdentity {
  const keyType = options.keyType ?? "ec";
  const { privateKey, publicKey } =
    keyType === "ec" ? crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }) : crypto.generateKeyPairSync("rsa", { modulusLength: 3072 });
  const spkiDer = publicKey.export({ type: "spki", format: "der" });
  const notBefore = new Date((options.now ?? new Date()).getTime() - 60 * 60 * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (options.years ?? 10));

  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, 16 bytes, no leading zero byte
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: toArrayBuffer(serial) });
  cert.issuer = distinguishedName(orgName);
  cert.subject = distinguishedName(orgName);
  cert.notBefore = new pkijs.Time({ type: 0, value: notBefore });
  cert.notAfter = new pkijs.Time({ type: notAfter.getUTCFullYear() >= 2050 ? 1 : 0, value: notAfter });
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(toArrayBuffer(spkiDer));

  const keyId = crypto.createHash("sha1").update(Buffer.from(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)).digest();
  // keyUsage bits: digitalSignature (0), nonRepudiation (1), keyCertSign (5) → 0b11000100, 2 unused bits.
  const keyUsage = new asn1js.BitString({ valueHex: toArrayBuffer(Uint8Array.of(0xc4)), unusedBits: 2 });
  cert.extensions = [
    new pkijs.Extension({
      extnID: OID.basicConstraints,
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: true, pathLenConstraint: 0 }).toSchema().toBER(false),
    }),
    new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: keyUsage.toBER(false) }),
    new pkijs.Extension({
      extnID: OID.subjectKeyIdentifier,
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: toArrayBuffer(keyId) }).toBER(false),
    }),
  ];
  cert.signature = signatureAlgorithm(privateKey);
  cert.signatureAlgorithm = signatureAlgorithm(privateKey);
  const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
  cert.tbsView = tbs;
  cert.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(signBytes(privateKey, tbs)) });
  return { privateKey, certificate: toBuffer(cert.toSchema(true).toBER(false)), chain: [] };
}

/** Parses a DER certificate (throws on garbage). */
export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(toArrayBuffer(der));
}

/** Whether `certificate` carries the public key of `privateKey`. */
export function keyMatchesCertificate(privateKey: crypto.KeyObject, certificate: Buffer): boolean {
  const fromKey = crypto.createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const fromCert = toBuffer(parseCertificate(certificate).subjectPublicKeyInfo.toSchema().toBER(false));
  return fromKey.equals(fromCert);
}

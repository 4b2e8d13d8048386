import crypto from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { certificateFingerprint } from "../pdf/signing-identity.server";

/**
 * Checks the CMS of a letter's PAdES signature (the profile app/pdf/cades.server.ts writes, see
 * docs/verification.md §2) against the SHA-256 of the signed byte ranges: SignedData, detached,
 * one SignerInfo with SHA-256, signed attributes content-type = id-data, message-digest = the
 * digest, signing-certificate-v2 naming the embedded signer certificate, no signing-time; the
 * signature verified with that certificate's public key (node:crypto). An RFC 3161 token in the
 * unsigned signature-time-stamp attribute is reported with its time, its imprint checked against
 * the signature value and its own signature checked with the TSA certificate it carries.
 * Trust in the certificate is not decided here: the caller compares its fingerprint.
 */

const OID = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
} as const;

const HASHES: Record<string, string> = { [OID.sha256]: "sha256", [OID.sha384]: "sha384", [OID.sha512]: "sha512" };

export interface SignerFacts {
  subject: string;
  /** SHA-256 of the certificate's DER, "AB:CD:…". */
  fingerprint: string;
  certificate: Buffer;
}

export interface CmsReport {
  failures: string[];
  held: string[];
  signer: SignerFacts | null;
  timestamp: Date | null;
}

const ab = (b: Uint8Array) => {
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return copy.buffer;
};

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b));

/** The DER of the CMS without the zero padding /Contents carries after it. */
export function trimDer(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x30) throw new Error("/Contents does not hold a DER SEQUENCE");
  const first = bytes[1] ?? 0;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || bytes.length < 2 + n) throw new Error("/Contents holds an indefinite or oversized length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (bytes[2 + i] ?? 0);
    header = 2 + n;
  }
  if (header + length > bytes.length) throw new Error("/Contents is shorter than its CMS");
  if (bytes.subarray(header + length).some((b) => b !== 0)) throw new Error("/Contents has bytes after its CMS other than zero padding");
  return bytes.subarray(0, header + length);
}

function attribute(attrs: pkijs.Attribute[] | undefined, type: string): pkijs.Attribute[] {
  return (attrs ?? []).filter((a) => a.type === type);
}

function nameText(name: pkijs.RelativeDistinguishedNames): string {
  const short: Record<string, string> = { "2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST" };
  // Most specific first, as pdfsig and RFC 4514 print a name.
  return [...name.typesAndValues]
    .reverse()
    .map((tv) => `${short[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value)}`)
    .join(", ");
}

/**
 * The time-stamp token's own signature: its SignerInfo's message-digest is the hash of the
 * TSTInfo, and its signed attributes verify with the TSA certificate the token carries. (Whether
 * to trust that TSA is the reader's decision, as for the signer.)
 */
function tokenSignatureVerifies(signed: pkijs.SignedData, content: Uint8Array): boolean {
  const signer = signed.signerInfos[0];
  const sid = signer?.sid;
  if (!signer?.signedAttrs || !(sid instanceof pkijs.IssuerAndSerialNumber)) return false;
  const cert = (signed.certificates ?? []).find(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate && c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber),
  );
  const hash = HASHES[signer.digestAlgorithm.algorithmId];
  const md = attribute(signer.signedAttrs.attributes, OID.messageDigest)[0]?.values[0];
  if (!cert || !hash || !(md instanceof asn1js.OctetString)) return false;
  if (!hex(md.valueBlock.valueHexView).equals(crypto.createHash(hash).update(content).digest())) return false;
  const signedBytes = new Uint8Array(signer.signedAttrs.encodedValue.slice(0));
  signedBytes[0] = 0x31;
  try {
    const key = new crypto.X509Certificate(Buffer.from(cert.toSchema(false).toBER(false))).publicKey;
    return crypto.verify(hash, signedBytes, { key, dsaEncoding: "der" }, Buffer.from(signer.signature.valueBlock.valueHexView));
  } catch {
    return false;
  }
}

export async function checkCms(contents: Uint8Array, digest: Buffer): Promise<CmsReport> {
  const report: CmsReport = { failures: [], held: [], signer: null, timestamp: null };
  const fail = (line: string) => {
    report.failures.push(line);
    return report;
  };
  let signed: pkijs.SignedData;
  try {
    const der = trimDer(contents);
    const info = pkijs.ContentInfo.fromBER(ab(der));
    if (info.contentType !== OID.signedData) return fail("signature: the CMS is not SignedData");
    signed = new pkijs.SignedData({ schema: info.content });
  } catch (error) {
    return fail(`signature: the CMS cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  if (signed.encapContentInfo.eContentType !== OID.data || signed.encapContentInfo.eContent) {
    fail("signature: the CMS is not detached over id-data (PAdES needs a detached signature)");
  }
  if (signed.signerInfos.length !== 1) return fail(`signature: the CMS has ${signed.signerInfos.length} signers, not one`);
  const signer = signed.signerInfos[0];
  if (!signer) return fail("signature: no signer");
  if (signer.digestAlgorithm.algorithmId !== OID.sha256) fail("signature: the digest algorithm is not SHA-256");

  const certificates = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const sid = signer.sid;
  const cert =
    sid instanceof pkijs.IssuerAndSerialNumber ? certificates.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber)) : undefined;
  if (!cert) return fail("signature: the signer's certificate is not in the CMS");
  const certDer = Buffer.from(cert.toSchema(false).toBER(false));
  let x509: crypto.X509Certificate;
  try {
    x509 = new crypto.X509Certificate(certDer);
  } catch {
    return fail("signature: the signer's certificate cannot be read");
  }
  report.signer = { subject: nameText(cert.subject), fingerprint: certificateFingerprint(certDer), certificate: certDer };

  const attrs = signer.signedAttrs?.attributes;
  if (!signer.signedAttrs || !attrs) return fail("signature: the CMS has no signed attributes (PAdES needs them)");
  const contentType = attribute(attrs, OID.contentType);
  const ctValue = contentType[0]?.values[0];
  if (contentType.length !== 1 || !(ctValue instanceof asn1js.ObjectIdentifier) || ctValue.valueBlock.toString() !== OID.data) {
    fail("signature: the content-type attribute is missing or not id-data");
  }
  const md = attribute(attrs, OID.messageDigest);
  const mdValue = md[0]?.values[0];
  if (md.length !== 1 || !(mdValue instanceof asn1js.OctetString)) fail("signature: the message-digest attribute is missing");
  else if (!hex(mdValue.valueBlock.valueHexView).equals(digest)) {
    fail("signature: the document was changed after signing (the signed digest differs from the SHA-256 of the signed bytes)");
  } else report.held.push("the signed digest is the SHA-256 of the whole file but the signature");

  const scv2 = attribute(attrs, OID.signingCertificateV2);
  if (scv2.length !== 1) fail("signature: the signing-certificate-v2 attribute is missing (PAdES needs it)");
  else {
    try {
      // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; the first names the signer.
      const value = scv2[0]?.values[0];
      const certs = value instanceof asn1js.Sequence ? value.valueBlock.value[0] : undefined;
      const first = certs instanceof asn1js.Sequence ? certs.valueBlock.value[0] : undefined;
      const parts = first instanceof asn1js.Sequence ? first.valueBlock.value : [];
      let algorithm: string = OID.sha256;
      let hashAt = 0;
      const head = parts[0];
      if (head instanceof asn1js.Sequence) {
        const oid = head.valueBlock.value[0];
        if (oid instanceof asn1js.ObjectIdentifier) algorithm = oid.valueBlock.toString();
        hashAt = 1;
      }
      const certHash = parts[hashAt];
      const name = HASHES[algorithm];
      if (!(certHash instanceof asn1js.OctetString) || !name) fail("signature: the signing-certificate-v2 attribute cannot be read");
      else if (!hex(certHash.valueBlock.valueHexView).equals(crypto.createHash(name).update(certDer).digest())) {
        fail("signature: the signing-certificate-v2 attribute names another certificate than the one embedded");
      }
    } catch {
      fail("signature: the signing-certificate-v2 attribute cannot be read");
    }
  }
  if (attribute(attrs, OID.signingTime).length) fail("signature: a signing-time attribute is present (PAdES puts the time in /M)");

  // The signature covers the DER of the signed attributes as a SET (RFC 5652 §5.4): the parsed
  // [0] IMPLICIT bytes with their tag made 0x31.
  const signedBytes = new Uint8Array(signer.signedAttrs.encodedValue.slice(0));
  signedBytes[0] = 0x31;
  const value = Buffer.from(signer.signature.valueBlock.valueHexView);
  let verified = false;
  try {
    verified = crypto.verify("sha256", signedBytes, { key: x509.publicKey, dsaEncoding: "der" }, value);
  } catch {
    verified = false;
  }
  if (!verified) fail("signature: the signature value does not verify with the embedded certificate's key");
  else report.held.push("the signature verifies with the embedded certificate's key");

  const tokens = attribute(signer.unsignedAttrs?.attributes, OID.signatureTimeStampToken);
  for (const token of tokens) {
    try {
      const info = new pkijs.ContentInfo({ schema: token.values[0] });
      const tsSigned = new pkijs.SignedData({ schema: info.content });
      const eContent = tsSigned.encapContentInfo.eContent;
      if (tsSigned.encapContentInfo.eContentType !== OID.tstInfo || !eContent) throw new Error("no TSTInfo");
      const tst = pkijs.TSTInfo.fromBER(eContent.getValue());
      const name = HASHES[tst.messageImprint.hashAlgorithm.algorithmId];
      const imprint = hex(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
      if (!name || !imprint.equals(crypto.createHash(name).update(value).digest())) {
        fail("time-stamp: the token is for other data than this signature");
        continue;
      }
      const ok = tokenSignatureVerifies(tsSigned, new Uint8Array(eContent.getValue()));
      if (!ok) {
        fail("time-stamp: the token's own signature does not verify");
        continue;
      }
      report.timestamp = tst.genTime;
      report.held.push(`time-stamped at ${tst.genTime.toISOString()} (token imprint matches the signature)`);
    } catch (error) {
      fail(`time-stamp: the token cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return report;
}

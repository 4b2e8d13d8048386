import crypto from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { OID, parseCertificate, signBytes, signatureAlgorithm, type SigningIdentity } from "./signing-identity.server";
import type { Timestamper } from "./timestamp.server";

/**
 * The CMS SignedData of a PAdES baseline B-B signature (ETSI EN 319 142-1 §6.3, built on the CAdES
 * rules of EN 319 122-1): detached (no eContent), SHA-256, one SignerInfo whose signed attributes
 * are exactly content-type (id-data), message-digest and ESS signing-certificate-v2 (RFC 5035,
 * the certificate's SHA-256 with its issuer and serial). No signing-time attribute: PAdES puts the
 * claimed time in the signature dictionary's /M instead and forbids it in the CMS.
 *
 * Built with pkijs for the structures; the signature itself is node:crypto's, over the DER of the
 * signed attributes as a SET (RFC 5652 §5.4).
 *
 * With a Timestamper (TSA_URL), the signature value is time-stamped (RFC 3161) and the token added
 * as the unsigned signature-time-stamp attribute: PAdES B-T (EN 319 142-1 §6.3, EN 319 122-1 §5.3).
 */

const CMS = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
} as const;

function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }
 * ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING (hashAlgorithm sha256 is the DEFAULT, so omitted),
 *                            issuerSerial IssuerSerial }
 * IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
 */
function signingCertificateV2(certificate: Buffer): asn1js.Sequence {
  const cert = parseCertificate(certificate);
  const issuer = new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: cert.issuer })] });
  const certHash = crypto.createHash("sha256").update(certificate).digest();
  const essCertId = new asn1js.Sequence({
    value: [
      new asn1js.OctetString({ valueHex: toArrayBuffer(certHash) }),
      new asn1js.Sequence({ value: [issuer.toSchema(), new asn1js.Integer({ valueHex: cert.serialNumber.valueBlock.valueHexView.slice().buffer })] }),
    ],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertId] })] });
}

/** DER orders a SET OF by its elements' encodings (X.690 §11.6), shorter padded with zeros. */
function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The PAdES signed attributes for a document digest, in DER order. */
function signedAttributes(digest: Buffer, certificate: Buffer): pkijs.Attribute[] {
  const attributes = [
    new pkijs.Attribute({ type: CMS.contentType, values: [new asn1js.ObjectIdentifier({ value: CMS.data })] }),
    new pkijs.Attribute({ type: CMS.messageDigest, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(digest) })] }),
    new pkijs.Attribute({ type: CMS.signingCertificateV2, values: [signingCertificateV2(certificate)] }),
  ];
  const encoded = attributes.map((a) => ({ a, der: new Uint8Array(a.toSchema().toBER(false)) }));
  encoded.sort((x, y) => compareDer(x.der, y.der));
  return encoded.map((e) => e.a);
}

/**
 * A detached CAdES signature (DER ContentInfo) over a document whose SHA-256 is `digest`; with
 * `timestamp`, its signature value time-stamped (B-T).
 */
export async function cadesDetachedSignature(digest: Buffer, identity: SigningIdentity, timestamp?: Timestamper): Promise<Buffer> {
  if (digest.length !== 32) throw new Error("cadesDetachedSignature expects a SHA-256 digest");
  const cert = parseCertificate(identity.certificate);
  const attributes = signedAttributes(digest, identity.certificate);
  // The signature covers the attributes encoded as a SET (tag 0x31), not as the [0] IMPLICIT of SignerInfo.
  const signedSet = new Uint8Array(new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER(false));

  const signature = signBytes(identity.privateKey, signedSet);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: signatureAlgorithm(identity.privateKey),
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(signature) }),
  });
  if (timestamp) {
    const token = pkijs.ContentInfo.fromBER(toArrayBuffer(await timestamp(signature)));
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
      type: 1,
      attributes: [new pkijs.Attribute({ type: CMS.signatureTimeStampToken, values: [token.toSchema()] })],
    });
  }
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: CMS.data }),
    certificates: [cert, ...identity.chain.map(parseCertificate)],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: CMS.signedData, content: signedData.toSchema(true) });
  return Buffer.from(new Uint8Array(contentInfo.toSchema().toBER(false)));
}

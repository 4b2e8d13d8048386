import crypto from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

/**
 * An RFC 3161 time-stamp client, for PAdES B-T: the signature value of the CMS is sent (as its
 * SHA-256) to a time-stamp authority, whose token is added to the SignerInfo as the unsigned
 * signature-time-stamp attribute (cades.server.ts).
 *
 * The answer is checked before it is used: status granted, a SignedData token whose TSTInfo
 * carries our message imprint and our nonce. The token's own signature is the verifier's business
 * (pdfsig does not check it; `openssl ts -verify` does, see sign.test.ts).
 */

export type Timestamper = (data: Buffer) => Promise<Buffer>;

const SHA256 = "2.16.840.1.101.3.4.2.1";
const SIGNED_DATA = "1.2.840.113549.1.7.2";
const TST_INFO = "1.2.840.113549.1.9.16.1.4";

function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

export class TimestampError extends Error {}

/** Checks a TimeStampResp for `imprint` and `nonce`; returns the token (a ContentInfo, DER). */
export function tokenFromResponse(response: Uint8Array, imprint: Buffer, nonce: Buffer): Buffer {
  let resp: pkijs.TimeStampResp;
  try {
    resp = pkijs.TimeStampResp.fromBER(toArrayBuffer(response));
  } catch (error) {
    throw new TimestampError(`the time-stamp authority's answer is not a TimeStampResp (${error instanceof Error ? error.message : String(error)})`);
  }
  const status = resp.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const text = (resp.status.statusStrings ?? []).map((s) => s.valueBlock.value).join("; ");
    throw new TimestampError(`the time-stamp authority refused (status ${status}${text ? `: ${text}` : ""})`);
  }
  const token = resp.timeStampToken;
  if (!token || token.contentType !== SIGNED_DATA) throw new TimestampError("the time-stamp authority's answer has no token");
  const signed = new pkijs.SignedData({ schema: token.content });
  const content = signed.encapContentInfo;
  if (content.eContentType !== TST_INFO || !content.eContent) throw new TimestampError("the time-stamp token holds no TSTInfo");
  const info = pkijs.TSTInfo.fromBER(content.eContent.getValue());
  const hashed = Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (info.messageImprint.hashAlgorithm.algorithmId !== SHA256 || !hashed.equals(imprint)) {
    throw new TimestampError("the time-stamp token is for other data");
  }
  if (!info.nonce || !Buffer.from(info.nonce.valueBlock.valueHexView).equals(nonce)) throw new TimestampError("the time-stamp token's nonce differs");
  return Buffer.from(new Uint8Array(token.toSchema().toBER(false)));
}

/** A Timestamper that POSTs application/timestamp-query to `url` (the TSA_URL), within `timeoutMs`. */
export function httpTimestamper(url: string, timeoutMs = 15_000): Timestamper {
  return async (data) => {
    const imprint = crypto.createHash("sha256").update(data).digest();
    const nonce = crypto.randomBytes(8);
    nonce[0] = (nonce[0]! & 0x7f) | 0x01; // positive, minimal DER
    const request = new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256 }),
        hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(imprint) }),
      }),
      nonce: new asn1js.Integer({ valueHex: toArrayBuffer(nonce) }),
      certReq: true,
    });
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/timestamp-query" },
      body: Buffer.from(new Uint8Array(request.toSchema().toBER(false))),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new TimestampError(`the time-stamp authority answered HTTP ${response.status}`);
    return tokenFromResponse(new Uint8Array(await response.arrayBuffer()), imprint, nonce);
  };
}

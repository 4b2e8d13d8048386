import crypto from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { keyMatchesCertificate, parseCertificate, type SigningIdentity } from "./signing-identity.server";

/**
 * A signing identity as PKCS#12 (RFC 7292), the file an owner downloads or uploads: the private key
 * in a PKCS8ShroudedKeyBag, the certificates in CertBags, a password MAC (SHA-256) over it all.
 *
 * The key bag is an EncryptedPrivateKeyInfo, so node:crypto (OpenSSL) encrypts and decrypts it:
 * export writes PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC); import reads whatever the local OpenSSL
 * reads (PBES2, and the older pbeWithSHAAnd3-KeyTripleDES-CBC). pkijs does the PFX structure, the
 * MAC (PKCS#12 key derivation) and a password-encrypted certificate SafeContents (PBES2 only: a file
 * whose certificates use RC2-40, the OpenSSL 1.x default, is refused with a clear message; re-export
 * it with `openssl pkcs12 -export -certpbe AES-256-CBC -keypbe AES-256-CBC`).
 */

const BAG = {
  shroudedKey: "1.2.840.113549.1.12.10.1.2",
  cert: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
} as const;

const ITERATIONS = 100_000;

function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

function passwordBytes(passphrase: string): ArrayBuffer {
  return toArrayBuffer(Buffer.from(passphrase, "utf8"));
}

/** The identity as a PKCS#12 file protected by `passphrase`. */
export async function exportPkcs12(identity: SigningIdentity, passphrase: string): Promise<Buffer> {
  const encryptedKey = identity.privateKey.export({ type: "pkcs8", format: "der", cipher: "aes-256-cbc", passphrase });
  const keyBag = new pkijs.SafeBag({ bagId: BAG.shroudedKey, bagValue: pkijs.PKCS8ShroudedKeyBag.fromBER(toArrayBuffer(encryptedKey)) });
  const certBags = [identity.certificate, ...identity.chain].map(
    (der) => new pkijs.SafeBag({ bagId: BAG.cert, bagValue: new pkijs.CertBag({ parsedValue: parseCertificate(der) }) }),
  );
  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: { safeContents: [{ privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [keyBag, ...certBags] }) }] },
      }),
    },
  });
  const authenticatedSafe = pfx.parsedValue?.authenticatedSafe;
  if (!authenticatedSafe) throw new Error("unreachable: PFX without authenticatedSafe");
  await authenticatedSafe.makeInternalValues({ safeContents: [{}] });
  await pfx.makeInternalValues({
    password: passwordBytes(passphrase),
    iterations: ITERATIONS,
    pbkdf2HashAlgorithm: { name: "SHA-256" },
    hmacHashAlgorithm: "SHA-256",
  });
  return Buffer.from(new Uint8Array(pfx.toSchema().toBER(false)));
}

/** Why a PKCS#12 file was refused: unreadable (damaged, or the passphrase is wrong), legacy (old PBE), key (no key, several, or no certificate for it). */
export type Pkcs12Problem = "unreadable" | "legacy" | "key";

export class Pkcs12Error extends Error {
  constructor(
    message: string,
    readonly problem: Pkcs12Problem = "unreadable",
  ) {
    super(message);
  }
}

/**
 * Reads a PKCS#12 file: the private key, the certificate that matches it, and the other
 * certificates as its chain. Throws Pkcs12Error for a wrong passphrase, a damaged file, no key,
 * several keys, or no certificate for the key.
 */
export async function importPkcs12(file: Uint8Array, passphrase: string): Promise<SigningIdentity> {
  const password = passwordBytes(passphrase);
  let pfx: pkijs.PFX;
  try {
    pfx = pkijs.PFX.fromBER(toArrayBuffer(file));
    await pfx.parseInternalValues({ password, checkIntegrity: true });
  } catch (error) {
    throw new Pkcs12Error(`not a PKCS#12 file, or the passphrase is wrong (${error instanceof Error ? error.message : String(error)})`);
  }
  const authenticatedSafe = pfx.parsedValue?.authenticatedSafe;
  if (!authenticatedSafe) throw new Pkcs12Error("the PKCS#12 file has no password-protected contents");
  try {
    await authenticatedSafe.parseInternalValues({ safeContents: authenticatedSafe.safeContents.map(() => ({ password })) });
  } catch (error) {
    throw new Pkcs12Error(
      `cannot decrypt the PKCS#12 certificates (${error instanceof Error ? error.message : String(error)}); re-export with AES-256-CBC`,
      "legacy",
    );
  }

  const keys: crypto.KeyObject[] = [];
  const certificates: Buffer[] = [];
  for (const content of authenticatedSafe.parsedValue?.safeContents ?? []) {
    for (const bag of content.value.safeBags) {
      if (bag.bagId === BAG.shroudedKey && bag.bagValue instanceof pkijs.PKCS8ShroudedKeyBag) {
        const der = Buffer.from(new Uint8Array(bag.bagValue.toSchema().toBER(false)));
        try {
          keys.push(crypto.createPrivateKey({ key: der, format: "der", type: "pkcs8", passphrase }));
        } catch (error) {
          throw new Pkcs12Error(`cannot decrypt the PKCS#12 private key (${error instanceof Error ? error.message : String(error)})`, "legacy");
        }
      } else if (bag.bagId === BAG.cert && bag.bagValue instanceof pkijs.CertBag && bag.bagValue.certId === BAG.x509Certificate) {
        const value = bag.bagValue.certValue;
        if (value instanceof asn1js.OctetString) certificates.push(Buffer.from(value.valueBlock.valueHexView));
        else if (value instanceof pkijs.Certificate) certificates.push(Buffer.from(new Uint8Array(value.toSchema().toBER(false))));
      }
    }
  }
  if (keys.length !== 1) throw new Pkcs12Error(keys.length === 0 ? "the PKCS#12 file has no private key" : "the PKCS#12 file has several private keys", "key");
  const privateKey = keys[0]!;
  const certificate = certificates.find((c) => keyMatchesCertificate(privateKey, c));
  if (!certificate) throw new Pkcs12Error("the PKCS#12 file has no certificate for its private key", "key");
  return { privateKey, certificate, chain: certificates.filter((c) => c !== certificate) };
}

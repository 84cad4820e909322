// The console CA's certificate revocation list, checked before the agent's TLS listener uses it.
// OpenSSL refuses EVERY client when the CRL's signature is bad or it has expired, so a CRL that
// came over the network is verified here first: signed by the client CA, current, and not older
// than the one in use (an attacker replaying an old CRL could un-revoke a certificate).
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList } from "@peculiar/asn1-x509";
import { verify, X509Certificate } from "node:crypto";

export class CrlError extends Error {}

export interface CrlFacts {
  thisUpdate: Date;
  /** When it must be replaced: OpenSSL refuses clients after this. */
  nextUpdate?: Date;
  /** Uppercase hex, as X509Certificate.serialNumber prints them. */
  revokedSerials: string[];
}

const SIGNATURE_HASH: Record<string, string> = {
  "1.2.840.10045.4.3.2": "sha256", // ecdsa-with-SHA256
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.11": "sha256", // sha256WithRSAEncryption
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
};

function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/.exec(pem);
  if (!m) throw new CrlError("not a PEM CRL (no BEGIN X509 CRL block)");
  return Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
}

/** [start, end) of the DER element at `at`: the signed bytes are the first element's, exactly as sent. */
function derElement(der: Buffer, at: number): { start: number; contentStart: number; end: number } {
  if (at + 2 > der.length) throw new CrlError("truncated CRL");
  let len = der[at + 1]!;
  let contentStart = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4 || contentStart + n > der.length) throw new CrlError("bad length in CRL");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[contentStart + i]!;
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > der.length) throw new CrlError("truncated CRL");
  return { start: at, contentStart, end };
}

const timeOf = (t: { utcTime?: Date; generalTime?: Date } | undefined): Date | undefined => t?.utcTime ?? t?.generalTime;

/** Parses and checks the signature against the CA; throws CrlError with what is wrong. */
export function verifyCrl(pem: string, caPem: string): CrlFacts {
  const der = pemToDer(pem);
  let list: CertificateList;
  try {
    list = AsnConvert.parse(der, CertificateList);
  } catch (err) {
    throw new CrlError(`the CRL does not parse: ${(err as Error).message}`);
  }
  const outer = derElement(der, 0);
  const tbs = derElement(der, outer.contentStart);
  const hash = SIGNATURE_HASH[list.signatureAlgorithm.algorithm];
  if (!hash) throw new CrlError(`the CRL is signed with an algorithm this agent does not check (${list.signatureAlgorithm.algorithm})`);
  const ca = new X509Certificate(caPem);
  if (!verify(hash, der.subarray(tbs.start, tbs.end), ca.publicKey, Buffer.from(list.signature))) {
    throw new CrlError(`the CRL is not signed by ${ca.subject.replace(/\n/g, ", ")}`);
  }
  const thisUpdate = timeOf(list.tbsCertList.thisUpdate);
  if (!thisUpdate) throw new CrlError("the CRL has no thisUpdate");
  return {
    thisUpdate,
    nextUpdate: timeOf(list.tbsCertList.nextUpdate),
    revokedSerials: (list.tbsCertList.revokedCertificates ?? []).map((r) => Buffer.from(r.userCertificate).toString("hex").toUpperCase().replace(/^(00)+(?=.)/, "")),
  };
}

/** verifyCrl, plus: usable now, and not older than the CRL it would replace. */
export function checkReplacementCrl(pem: string, caPem: string, current: CrlFacts | undefined, now = new Date()): CrlFacts {
  const facts = verifyCrl(pem, caPem);
  if (facts.thisUpdate.getTime() > now.getTime() + 5 * 60_000) throw new CrlError(`the CRL is dated ${facts.thisUpdate.toISOString()}, in the future: is this machine's clock right?`);
  if (facts.nextUpdate && facts.nextUpdate.getTime() <= now.getTime()) throw new CrlError(`the CRL expired at ${facts.nextUpdate.toISOString()}`);
  if (current && facts.thisUpdate.getTime() < current.thisUpdate.getTime()) {
    throw new CrlError(`the CRL offered (${facts.thisUpdate.toISOString()}) is older than the one in use (${current.thisUpdate.toISOString()}): refusing to go back`);
  }
  return facts;
}

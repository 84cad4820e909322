import "server-only";
// X.509 certificates and CRLs for the console's CA: the DER is built with @peculiar/asn1-x509
// (plain ASN.1 schemas, no Reflect polyfill — unlike @peculiar/x509) and signed with Node's
// crypto, whose ECDSA signatures are already the DER SEQUENCE {r, s} X.509 wants. The CA key is
// ECDSA P-256 (key-files.ts newKeyPair), so everything is signed ecdsa-with-SHA256.
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificateList,
  CRLNumber,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLNumber,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  RevokedCertificate,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  TBSCertList,
  Time,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import { isIP } from "node:net";

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const COMMON_NAME_OID = "2.5.4.3";

/** 16 random bytes, positive and without a leading zero byte, so every tool prints it the same. */
export function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x3f) | 0x10;
  return b.toString("hex").toUpperCase();
}

/** A serial as X509Certificate prints it ("1A2B…") → the content octets of a positive DER INTEGER. */
function serialInteger(hex: string): ArrayBuffer {
  if (!/^[0-9A-Fa-f]{1,40}$/.test(hex)) throw new Error(`certificate serial ${JSON.stringify(hex)} is not hexadecimal`);
  let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
  // Minimal two's complement: no redundant leading zero, and one where the top bit would make it negative.
  while (bytes.length > 1 && bytes[0] === 0 && bytes[1]! < 0x80) bytes = bytes.subarray(1);
  if (bytes[0]! >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return new Uint8Array(bytes).buffer;
}

/** CN=<name> as a UTF8String, as openssl's default string_mask wrote it. */
export function commonNameOnly(commonName: string): Name {
  return new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME_OID, value: new AttributeValue({ utf8String: commonName }) })])]);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits (what openssl's "hash" is). */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = AsnConvert.parse(publicKey.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo);
  return createHash("sha1").update(Buffer.from(spki.subjectPublicKey)).digest();
}

function extension(extnID: string, value: unknown, critical = false): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** The extensions the console's CA puts in certificates, each built one way only. */
export const ext = {
  basicConstraints: (cA: boolean) => extension(id_ce_basicConstraints, new BasicConstraints({ cA }), true),
  keyUsage: (flags: KeyUsageFlags) => extension(id_ce_keyUsage, new KeyUsage(flags), true),
  subjectKeyIdentifier: (publicKey: KeyObject) => extension(id_ce_subjectKeyIdentifier, new SubjectKeyIdentifier(keyIdentifier(publicKey))),
  authorityKeyIdentifier: (keyId: Buffer) => extension(id_ce_authorityKeyIdentifier, new AuthorityKeyIdentifier({ keyIdentifier: new OctetString(keyId) })),
  extendedKeyUsage: (...purposes: string[]) => extension(id_ce_extKeyUsage, new ExtendedKeyUsage(purposes)),
  /** "IP:10.0.0.5" / "IP:fd00::5" / "DNS:box.example.com", as issue-certificate.ts subjectAltName() checked it. */
  subjectAltName: (name: string) => extension(id_ce_subjectAltName, new SubjectAlternativeName([generalName(name)])),
  crlNumber: (n: number) => extension(id_ce_cRLNumber, new CRLNumber(n)),
};

function generalName(name: string): GeneralName {
  const [kind, value] = [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)];
  if (kind === "DNS") return new GeneralName({ dNSName: value });
  if (kind === "IP" && isIP(value) === 4) return new GeneralName({ iPAddress: value });
  if (kind === "IP" && isIP(value) === 6 && !value.includes("%")) {
    // The library's IPv6 parser takes hex groups only: an embedded dotted quad (::ffff:10.0.0.1)
    // becomes its two groups first.
    const groups = value.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
    return new GeneralName({ iPAddress: groups });
  }
  throw new Error(`${JSON.stringify(name)} is not a subject alternative name this CA writes`);
}

const signatureAlgorithm = () => new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }); // parameters absent (RFC 5758)

function checkSigningKey(key: KeyObject): void {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new Error(`the CA key is ${key.asymmetricKeyType ?? "not an asymmetric key"}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ""}, not ECDSA P-256: this CA only signs with P-256 keys`);
  }
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export interface CertificateFields {
  /** Hex, as newSerial() makes it. */
  serial: string;
  issuer: Name;
  subject: Name;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

/** A v3 certificate signed by `signingKey`, as PEM. */
export function signCertificate(fields: CertificateFields, signingKey: KeyObject): string {
  checkSigningKey(signingKey);
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialInteger(fields.serial),
    signature: signatureAlgorithm(),
    issuer: fields.issuer,
    validity: new Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: fields.subject,
    subjectPublicKeyInfo: AsnConvert.parse(fields.publicKey.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo),
    extensions: new Extensions(fields.extensions),
  });
  const signatureValue = sign("sha256", Buffer.from(AsnConvert.serialize(tbsCertificate)), signingKey);
  const der = AsnConvert.serialize(new Certificate({ tbsCertificate, signatureAlgorithm: signatureAlgorithm(), signatureValue: new Uint8Array(signatureValue).buffer }));
  // Parsed back by OpenSSL (through Node) and checked against the signer before anyone sees it.
  if (!new X509Certificate(Buffer.from(der)).verify(createPublicKey(signingKey))) throw new Error("the certificate just signed does not verify with the CA key");
  return pem("CERTIFICATE", der);
}

/** What signing as a CA takes: its name and key identifier (from ca.crt) and its private key. */
export interface CaSigner {
  name: Name;
  keyId: Buffer;
  privateKey: KeyObject;
}

export function caSigner(caCertPem: string, caKeyPem: string | Buffer): CaSigner {
  const x509 = new X509Certificate(caCertPem);
  const privateKey = createPrivateKey(caKeyPem);
  checkSigningKey(privateKey);
  // A ca.key that is not ca.crt's would sign certificates no agent can check.
  if (!createPublicKey(privateKey).equals(x509.publicKey)) throw new Error("the CA key does not belong to the CA certificate: restore the matching ca.key and ca.crt");
  const cert = AsnConvert.parse(x509.raw, Certificate);
  const ski = cert.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  return {
    // The issuer of what it signs is its subject, re-encoded from the parsed DER (same bytes).
    name: cert.tbsCertificate.subject,
    keyId: ski ? Buffer.from(AsnConvert.parse(ski.extnValue.buffer, SubjectKeyIdentifier).buffer) : keyIdentifier(x509.publicKey),
    privateKey,
  };
}

export interface CrlFields {
  thisUpdate: Date;
  nextUpdate: Date;
  /** Must grow from one CRL to the next. */
  crlNumber: number;
  revoked: Array<{ serial: string; revokedAt: Date }>;
}

/** A v2 CRL signed by the CA, as PEM ("X509 CRL"). */
export function signCrl(ca: CaSigner, fields: CrlFields): string {
  const tbsCertList = new TBSCertList({
    version: Version.v2,
    signature: signatureAlgorithm(),
    issuer: ca.name,
    thisUpdate: new Time(fields.thisUpdate),
    nextUpdate: new Time(fields.nextUpdate),
    // Absent, not an empty SEQUENCE, when nothing is revoked.
    revokedCertificates: fields.revoked.length ? fields.revoked.map((r) => new RevokedCertificate({ userCertificate: serialInteger(r.serial), revocationDate: new Time(r.revokedAt) })) : undefined,
    crlExtensions: [ext.authorityKeyIdentifier(ca.keyId), ext.crlNumber(fields.crlNumber)],
  });
  const signature = sign("sha256", Buffer.from(AsnConvert.serialize(tbsCertList)), ca.privateKey);
  return pem("X509 CRL", AsnConvert.serialize(new CertificateList({ tbsCertList, signatureAlgorithm: signatureAlgorithm(), signature: new Uint8Array(signature).buffer })));
}

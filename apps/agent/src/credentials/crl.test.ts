import { X509Certificate } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "../rpc/testing/test-pki";
import { checkReplacementCrl, CrlError, verifyCrl } from "./crl";

let pki: TestPki;
let crl: string;
let foreignCa: string;

beforeAll(() => {
  pki = makeTestPki();
  crl = readFileSync(pki.crlPath, "utf8");
  foreignCa = readFileSync(`${pki.dir}/other-ca/ca.crt`, "utf8");
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

describe("verifyCrl (a CRL made by openssl ca -gencrl)", () => {
  it("reads the revoked serials and the validity of a CRL signed by the CA", () => {
    const facts = verifyCrl(crl, pki.ca);
    expect(facts.revokedSerials).toEqual([new X509Certificate(pki.revokedClient.cert).serialNumber]);
    expect(facts.revokedSerials).not.toContain(new X509Certificate(pki.client.cert).serialNumber);
    expect(facts.nextUpdate!.getTime()).toBeGreaterThan(facts.thisUpdate.getTime());
    expect(Math.abs(facts.thisUpdate.getTime() - Date.now())).toBeLessThan(10 * 60_000);
  });

  it("refuses a CRL that another CA signed", () => {
    expect(() => verifyCrl(crl, foreignCa)).toThrow(/not signed by .*Some Other CA/);
  });

  it("refuses a CRL whose signed bytes were changed", () => {
    const der = Buffer.from(crl.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
    // Flip a byte inside the tbsCertList (past the headers): still parses, no longer verifies.
    const i = der.length - 90;
    der[i] = der[i]! ^ 0x01;
    const tampered = `-----BEGIN X509 CRL-----\n${der.toString("base64")}\n-----END X509 CRL-----\n`;
    expect(() => verifyCrl(tampered, pki.ca)).toThrow(CrlError);
  });

  it("refuses what is not a PEM CRL", () => {
    expect(() => verifyCrl(pki.ca, pki.ca)).toThrow(/not a PEM CRL/);
    expect(() => verifyCrl("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", pki.ca)).toThrow(CrlError);
  });
});

describe("checkReplacementCrl", () => {
  it("accepts a current CRL that is not older than the one in use", () => {
    const facts = verifyCrl(crl, pki.ca);
    expect(checkReplacementCrl(crl, pki.ca, facts).thisUpdate).toEqual(facts.thisUpdate);
  });

  it("refuses to go back to an older CRL", () => {
    const facts = verifyCrl(crl, pki.ca);
    const newer = { ...facts, thisUpdate: new Date(facts.thisUpdate.getTime() + 1000) };
    expect(() => checkReplacementCrl(crl, pki.ca, newer)).toThrow(/older than the one in use/);
  });

  it("refuses an expired CRL", () => {
    const facts = verifyCrl(crl, pki.ca);
    expect(() => checkReplacementCrl(crl, pki.ca, undefined, new Date(facts.nextUpdate!.getTime() + 1))).toThrow(/expired/);
  });
});

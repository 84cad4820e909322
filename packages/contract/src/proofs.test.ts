// The proof bytes are a wire format between agents and consoles of different versions: these
// fixed expectations fail on any change, which must come as a new version prefix instead.
import { describe, expect, it } from "vitest";
import { credentialsProofMessage, enrollProofMessage } from "./proofs";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const PEM = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";

describe("proof messages", () => {
  it("enrollment: version, token, address and the trimmed key, one per line", () => {
    expect(text(enrollProofMessage("tok", "box.example.com:7443", `  ${PEM}\n`))).toBe(
      "sysward-enroll-v1\ntok\nbox.example.com:7443\n-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
    );
  });

  it("credentials: version, time, fingerprint and the new key, or an empty line without one", () => {
    expect(text(credentialsProofMessage("2026-01-02T03:04:05.000Z", "AB:CD", PEM))).toBe(
      "sysward-agent-credentials-v1\n2026-01-02T03:04:05.000Z\nAB:CD\n-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
    );
    expect(text(credentialsProofMessage("t", "AB:CD", undefined))).toBe("sysward-agent-credentials-v1\nt\nAB:CD\n\n");
  });

  it("a different field gives different bytes (each field is covered by the signature)", () => {
    const base = text(enrollProofMessage("tok", "a:1", PEM));
    expect(text(enrollProofMessage("tok2", "a:1", PEM))).not.toBe(base);
    expect(text(enrollProofMessage("tok", "a:2", PEM))).not.toBe(base);
  });
});

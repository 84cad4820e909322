import { describe, expect, it } from "vitest";
import { EnrollUsageError, parseEnrollArgs } from "./enroll-args";

const FP = "AB:".repeat(31) + "AB";

describe("enroll arguments", () => {
  it("takes the command the console prints", () => {
    expect(parseEnrollArgs(["https://console.example.com/", "swe_abc", "--listen", "10.0.0.5:7443", "--ca-sha256", FP])).toEqual({
      consoleUrl: "https://console.example.com",
      token: "swe_abc",
      listen: "10.0.0.5:7443",
      address: "10.0.0.5:7443",
      caSha256: FP,
    });
  });

  it("binds a wildcard only with an address for the console to dial", () => {
    expect(() => parseEnrollArgs(["http://c", "t", "--listen", "0.0.0.0:7443"])).toThrow(/add --address/);
    expect(parseEnrollArgs(["http://c", "t", "--listen=0.0.0.0:7443", "--address=[fd00::5]:7443"])).toMatchObject({ listen: "0.0.0.0:7443", address: "[fd00::5]:7443" });
  });

  it("says what is wrong", () => {
    const bad: Array<[string[], RegExp]> = [
      [["http://c", "t"], /--listen host:port is required/],
      [["http://c", "--listen", "1.2.3.4:1"], /console's URL and the enrollment token/],
      [["ftp://c", "t", "--listen", "1.2.3.4:1"], /http:\/\/ or https:\/\//],
      [["http://c", "t", "--listen", "1.2.3.4"], /--listen "1.2.3.4" must be host:port/],
      [["http://c", "t", "--listen", "1.2.3.4:0"], /fixed port/],
      [["http://c", "t", "--listen", "1.2.3.4:1", "--ca-sha256", "abc"], /SHA-256 fingerprint/],
      [["http://c", "t", "--listen", "1.2.3.4:1", "--force"], /unknown option --force/],
      [["http://c", "t", "--listen"], /--listen needs a value/],
    ];
    for (const [argv, message] of bad) expect(() => parseEnrollArgs(argv)).toThrow(message);
    expect(() => parseEnrollArgs([])).toThrow(EnrollUsageError);
  });
});

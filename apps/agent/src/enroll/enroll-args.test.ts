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
    expect(() => parseEnrollArgs(["https://c", "t", "--listen", "0.0.0.0:7443"])).toThrow(/add --address/);
    expect(parseEnrollArgs(["https://c", "t", "--listen=0.0.0.0:7443", "--address=[fd00::5]:7443"])).toMatchObject({ listen: "0.0.0.0:7443", address: "[fd00::5]:7443" });
  });

  it("says what is wrong", () => {
    const bad: Array<[string[], RegExp]> = [
      [["https://c", "t"], /--listen host:port is required/],
      [["https://c", "--listen", "1.2.3.4:1"], /console's URL and the enrollment token/],
      [["ftp://c", "t", "--listen", "1.2.3.4:1"], /http:\/\/ or https:\/\//],
      [["https://c", "t", "--listen", "1.2.3.4"], /--listen "1.2.3.4" must be host:port/],
      [["https://c", "t", "--listen", "1.2.3.4:0"], /fixed port/],
      [["https://c", "t", "--listen", "1.2.3.4:1", "--ca-sha256", "abc"], /SHA-256 fingerprint/],
      [["https://c", "t", "--listen", "1.2.3.4:1", "--force"], /unknown option --force/],
      [["https://c", "t", "--listen"], /--listen needs a value/],
    ];
    for (const [argv, message] of bad) expect(() => parseEnrollArgs(argv)).toThrow(message);
    expect(() => parseEnrollArgs([])).toThrow(EnrollUsageError);
  });

  it("refuses plain http to another host (the tokens would travel in clear) unless told --insecure-http", () => {
    expect(() => parseEnrollArgs(["http://console.lan:3000", "t", "--listen", "10.0.0.5:7443"])).toThrow(/plain http: .*--insecure-http/);
    expect(parseEnrollArgs(["http://console.lan:3000", "t", "--listen", "10.0.0.5:7443", "--insecure-http"]).consoleUrl).toBe("http://console.lan:3000");
    for (const local of ["http://127.0.0.1:3000", "http://localhost:3000", "http://[::1]:3000"]) {
      expect(parseEnrollArgs([local, "t", "--listen", "127.0.0.1:7443"]).consoleUrl).toBe(local);
    }
  });
});

import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next";

describe("safeNext", () => {
  it("keeps same-site paths", () => {
    expect(safeNext("/agents/local")).toBe("/agents/local");
    expect(safeNext("/audit?x=1")).toBe("/audit?x=1");
  });
  it("refuses anything that could leave the site or loop", () => {
    for (const bad of [undefined, null, "", "https://evil.example", "//evil.example", "/\\evil.example", "/login", "/login?next=/", "/api/auth/logout", "/\t/evil.example", decodeURIComponent("/%09/evil.example"), "/\n/evil.example", "/\r\n//evil.example", "\\evil.example"]) {
      expect(safeNext(bad)).toBe("/");
    }
  });
});

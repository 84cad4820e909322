import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { assertPackageName, isValidPackageName } from "./package-name";

describe("package names (the seed's rule: 1–64 ASCII letters and digits)", () => {
  it.each(["a", "helloweb", "Z9", "x".repeat(64)])("accepts %j", (n) => {
    expect(isValidPackageName(n)).toBe(true);
    expect(() => assertPackageName(n)).not.toThrow();
  });

  it.each(["", "x".repeat(65), "hello-web", "a b", "../x", "a/b", "é", "a.b", "a\n", "ａ"])("refuses %j with InvalidArgument", (n) => {
    expect(isValidPackageName(n)).toBe(false);
    let err: unknown;
    try {
      assertPackageName(n);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/letters or digits/);
  });
});

import { describe, expect, it } from "vitest";
import { isValidPackageName, packageNameProblem } from "./package-name";

describe("package names: 1–64 ASCII letters and digits", () => {
  it.each(["a", "helloweb", "Z9", "x".repeat(64)])("accepts %j", (n) => {
    expect(isValidPackageName(n)).toBe(true);
    expect(packageNameProblem(n)).toBeNull();
  });

  it.each(["", "x".repeat(65), "hello-web", "a b", "../x", "a/b", "é", "a.b", "a\n", "\na", "ａ"])("refuses %j", (n) => {
    expect(isValidPackageName(n)).toBe(false);
    expect(packageNameProblem(n)).toMatch(/^invalid package name .+: names are letters and digits only, 1–64 characters/);
  });

  it("names the refused name, shortened when long, and what kind of name it is", () => {
    expect(packageNameProblem("")).toMatch(/^invalid package name an empty name:/);
    expect(packageNameProblem("my-app", "service name")).toMatch(/^invalid service name "my-app":/);
    const long = packageNameProblem("y".repeat(200))!;
    expect(long).toContain(`"${"y".repeat(80)}…"`);
    expect(long).not.toContain("y".repeat(81));
  });
});

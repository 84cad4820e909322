// The rule itself is tested in @sysward/contract; here, that the agent refuses with an
// invalid-argument domain error (InvalidArgument over RPC).
import { describe, expect, it } from "vitest";
import { DomainError } from "../domain-error";
import { assertPackageName } from "./package-name";

describe("assertPackageName", () => {
  it("lets a valid name through", () => {
    expect(() => assertPackageName("helloweb9")).not.toThrow();
  });

  it.each(["", "hello-web", "../x"])("refuses %j as an invalid argument", (n) => {
    let err: unknown;
    try {
      assertPackageName(n);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe("invalid-argument");
    expect((err as DomainError).message).toMatch(/^invalid package name .*letters and digits only/);
  });
});

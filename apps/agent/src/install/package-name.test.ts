// The rule itself is tested in @sysward/contract; here, that the agent refuses with InvalidArgument.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { assertPackageName } from "./package-name";

describe("assertPackageName", () => {
  it("lets a valid name through", () => {
    expect(() => assertPackageName("helloweb9")).not.toThrow();
  });

  it.each(["", "hello-web", "../x"])("refuses %j with InvalidArgument", (n) => {
    let err: unknown;
    try {
      assertPackageName(n);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/^invalid package name .*letters and digits only/);
  });
});

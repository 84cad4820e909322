import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { NameLocks } from "./name-locks";

describe("NameLocks", () => {
  it("refuses a second holder of the same name at once with Aborted, naming the first operation", () => {
    const locks = new NameLocks();
    const release = locks.acquire("web", "install");
    let err: unknown;
    try {
      locks.acquire("web", "remove");
    } catch (e) {
      err = e;
    }
    expect((err as ConnectError).code).toBe(Code.Aborted);
    expect((err as ConnectError).rawMessage).toBe("install of web already in progress");
    release();
    expect(() => locks.acquire("web", "remove")()).not.toThrow();
  });

  it("lets other names proceed, and a double release does not free someone else's lock", () => {
    const locks = new NameLocks();
    const a = locks.acquire("a", "install");
    const b = locks.acquire("b", "install");
    a();
    const a2 = locks.acquire("a", "start");
    a();
    expect(locks.holder("a")).toBe("start");
    expect(() => locks.acquire("a", "install")).toThrow(ConnectError);
    a2();
    b();
    expect(locks.size).toBe(0);
  });
});

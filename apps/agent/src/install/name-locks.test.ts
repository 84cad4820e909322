import { DomainError } from "../domain-error";
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
    expect((err as DomainError).kind).toBe("aborted");
    expect((err as DomainError).message).toBe("install of web already in progress");
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
    expect(() => locks.acquire("a", "install")).toThrow(DomainError);
    a2();
    b();
    expect(locks.size).toBe(0);
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { KeyedSerializer } from "./keyed-serializer";

describe("keyed serializer", () => {
  it("runs operations on one key one at a time, in order, even after a failure", async () => {
    const s = new KeyedSerializer();
    const log: string[] = [];
    const op = (id: string, fail = false) => async () => {
      log.push(`start ${id}`);
      await sleep(5);
      log.push(`end ${id}`);
      if (fail) throw new Error(id);
    };
    await Promise.allSettled([s.run("a", op("1", true)), s.run("a", op("2")), s.run("a", op("3"))]);
    expect(log).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });

  it("lets different keys overlap", async () => {
    const s = new KeyedSerializer();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = s.run("a", async () => {
      log.push("a waits");
      await gate;
      log.push("a done");
    });
    await s.run("b", async () => {
      log.push("b ran");
    });
    release();
    await a;
    await s.idle();
    expect(log).toEqual(["a waits", "b ran", "a done"]);
  });
});

import { DomainError } from "../domain-error";
import { expect, it } from "vitest";
import { idleTimeout } from "./idle-timeout";

async function collect<T>(src: AsyncIterable<T>): Promise<{ items: T[]; err?: unknown }> {
  const items: T[] = [];
  try {
    for await (const x of src) items.push(x);
    return { items };
  } catch (err) {
    return { items, err };
  }
}

it("passes a steady stream through untouched", async () => {
  async function* steady() {
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 10));
      yield i;
    }
  }
  expect(await collect(idleTimeout(steady(), 200, "stalled"))).toEqual({ items: [0, 1, 2, 3, 4] });
});

it("fails with DeadlineExceeded when the next item does not come, and tells the source to stop", async () => {
  let returned = false;
  const stalled: AsyncIterable<number> = {
    [Symbol.asyncIterator]() {
      let n = 0;
      return {
        next: () => (n++ < 2 ? Promise.resolve({ done: false, value: n }) : new Promise<IteratorResult<number>>(() => {})),
        return: () => {
          returned = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
  const { items, err } = await collect(idleTimeout(stalled, 50, "no bytes for a while"));
  expect(items).toEqual([1, 2]);
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).kind).toBe("deadline-exceeded");
  expect((err as DomainError).message).toBe("no bytes for a while");
  expect(returned).toBe(true);
});

it("does not count the time the consumer spends on an item", async () => {
  async function* quick() {
    yield 1;
    yield 2;
  }
  const items: number[] = [];
  for await (const x of idleTimeout(quick(), 30, "stalled")) {
    items.push(x);
    await new Promise((r) => setTimeout(r, 80)); // slower than the idle limit
  }
  expect(items).toEqual([1, 2]);
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RingBuffer } from "./ring-buffer";

describe("RingBuffer", () => {
  it("keeps the newest items, oldest first", () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.last()).toBeUndefined();
    ring.pushAll([1, 2]);
    expect(ring.toArray()).toEqual([1, 2]);
    ring.pushAll([3, 4, 5]);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
    expect(ring.last()).toBe(5);
  });

  it("starts over after clear", () => {
    const ring = new RingBuffer<string>(2);
    ring.pushAll(["a", "b", "c"]);
    ring.clear();
    expect(ring.length).toBe(0);
    ring.push("d");
    expect(ring.toArray()).toEqual(["d"]);
  });

  it("refuses a capacity that cannot hold anything", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });

  it("always equals the last `capacity` items of everything pushed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer(), { maxLength: 100 }), (capacity, items) => {
        const ring = new RingBuffer<number>(capacity);
        ring.pushAll(items);
        expect(ring.toArray()).toEqual(items.slice(Math.max(0, items.length - capacity)));
      }),
    );
  });
});

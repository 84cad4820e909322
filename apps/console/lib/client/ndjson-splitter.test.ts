import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NdjsonSplitter } from "./ndjson-splitter";

describe("NdjsonSplitter", () => {
  it("returns only finished lines and keeps the tail for later", () => {
    const s = new NdjsonSplitter();
    expect(s.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(s.push(":2}\n")).toEqual(['{"b":2}']);
    expect(s.flush()).toEqual([]);
  });

  it("skips blank lines, strips CR, and flushes an unterminated last line", () => {
    const s = new NdjsonSplitter();
    expect(s.push('\n{"a":1}\r\n\n')).toEqual(['{"a":1}']);
    expect(s.push('{"end":true}')).toEqual([]);
    expect(s.flush()).toEqual(['{"end":true}']);
  });

  it("yields the same lines however the text is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom("a", "b", "{", "}", " ") , minLength: 1 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 8 }),
        (lines, cuts) => {
          const text = lines.map((l) => `${l}\n`).join("");
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const s = new NdjsonSplitter();
          const out: string[] = [];
          let prev = 0;
          for (const p of [...points, text.length]) {
            out.push(...s.push(text.slice(prev, p)));
            prev = p;
          }
          out.push(...s.flush());
          expect(out).toEqual(lines.filter((l) => l.trim() !== ""));
        },
      ),
    );
  });
});

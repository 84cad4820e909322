import { describe, expect, it } from "vitest";
import { ndjsonObjects, textLines } from "./ndjson-lines";

async function* pieces(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === "string" ? new TextEncoder().encode(p) : p;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe("NDJSON reading", () => {
  it("joins lines split across chunks and skips blank lines", async () => {
    expect(await all(textLines(pieces('{"a":', '1}\n\n{"b"', ":2}\r\n", '{"c":3}')))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("keeps a multi-byte character split between chunks", async () => {
    const bytes = new TextEncoder().encode('{"d":"é"}\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside "é"
    expect(await all(ndjsonObjects(pieces(bytes.slice(0, cut), bytes.slice(cut))))).toEqual([{ d: "é" }]);
  });

  it("refuses a line that is not a JSON object, quoting it", async () => {
    await expect(all(ndjsonObjects(pieces("<html>oops</html>\n")))).rejects.toThrow(/not JSON: <html>oops<\/html>/);
    await expect(all(ndjsonObjects(pieces("[1,2]\n")))).rejects.toThrow(/not a JSON object/);
  });
});

import { appendFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LogLine } from "../runtime";
import { waitFor } from "../testing/wait-for";
import { MAX_TAIL_BYTES, readFileTail, readLogs, shareTail, type LogSource } from "./log-reader";
import { rotateIfLarger } from "./log-rotator";

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe("log reader", () => {
  let dir: string;
  let out: string;
  let err: string;
  let sources: LogSource[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sysward-logs-"));
    out = join(dir, "stdout.log");
    err = join(dir, "stderr.log");
    sources = [
      { path: out, stream: "stdout" },
      { path: err, stream: "stderr" },
    ];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the last N lines of a file many chunks long without reading it all", async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i}`);
    await writeFile(out, `${lines.join("\n")}\n`); // ~400 KB: several 64 KiB chunks
    const tail = await readFileTail(out, 3);
    expect(tail.lines.map(String)).toEqual(["line 39997", "line 39998", "line 39999"]);
    expect(tail.partial.length).toBe(0);
  });

  it("holds at most MAX_TAIL_BYTES for one tail, however many long lines are asked for", async () => {
    const long = (i: number) => `${String(i).padStart(6, "0")} ${"y".repeat(15_993)}`; // 16 000 bytes
    await writeFile(out, Array.from({ length: 400 }, (_, i) => `${long(i)}\n`).join("")); // 6.4 MB
    const tail = await readFileTail(out, 10_000);
    const got = tail.lines.map(String);
    expect(got.length).toBeLessThanOrEqual(Math.floor(MAX_TAIL_BYTES / 16_001));
    expect(got.length).toBeGreaterThan(200);
    // The newest lines, each whole.
    expect(got.at(-1)).toBe(long(399));
    expect(got.every((l, i) => l === long(400 - got.length + i))).toBe(true);
  });

  it("returns the whole file when it has fewer lines, and keeps an unterminated last line apart", async () => {
    await writeFile(out, "a\nb\npart");
    const tail = await readFileTail(out, 10);
    expect(tail.lines.map(String)).toEqual(["a", "b"]);
    expect(String(tail.partial)).toBe("part");
    expect(tail.end).toBe(4);
  });

  it("cuts overlong lines and skips one giant unterminated line instead of reading it", async () => {
    await writeFile(out, `${"x".repeat(100)}\nshort\n`);
    expect((await readFileTail(out, 2, 10)).lines.map(String)).toEqual(["x".repeat(10), "short"]);
    await writeFile(out, "y".repeat(500_000));
    const tail = await readFileTail(out, 5, 100);
    expect(tail.lines).toEqual([]);
    expect(tail.end).toBe(500_000);
  });

  it("treats a missing file as empty", async () => {
    expect(await collect(readLogs(sources, { tail: 5, follow: false }))).toEqual([]);
  });

  it("shares the tail between stdout and stderr, the most recently written stream last", async () => {
    await writeFile(out, "o1\no2\no3\no4\n");
    await writeFile(err, "e1\ne2\n");
    await utimes(out, new Date(1_000_000), new Date(1_000_000));
    const lines = await collect(readLogs(sources, { tail: 4, follow: false }));
    expect(lines.map((l) => `${l.stream}:${l.line}`)).toEqual(["stdout:o3", "stdout:o4", "stderr:e1", "stderr:e2"]);
  });

  it("splits N between two busy streams, leaving unused share to the other", () => {
    expect(shareTail(10, 10, 4)).toEqual([2, 2]);
    expect(shareTail(1, 10, 4)).toEqual([1, 3]);
    expect(shareTail(10, 1, 4)).toEqual([3, 1]);
    expect(shareTail(2, 1, 4)).toEqual([2, 1]);
    expect(shareTail(10, 10, 5)).toEqual([2, 3]);
  });

  it("follows appended lines (a partial line once it is complete) and stops on abort", async () => {
    writeFileSync(out, "old\nhalf");
    const abort = new AbortController();
    const seen: LogLine[] = [];
    const reading = (async () => {
      for await (const l of readLogs(sources, { tail: 1, follow: true, signal: abort.signal, pollMs: 10 })) seen.push(l);
    })();
    await waitFor(() => seen.length === 1, "the tail");
    appendFileSync(out, " done\nnew\n");
    appendFileSync(err, "oops\n");
    await waitFor(() => seen.length === 4, "the followed lines");
    abort.abort();
    await reading;
    // Order holds within a stream; across the two files it depends on which one a poll reads first.
    expect(seen.filter((l) => l.stream === "stdout").map((l) => l.line)).toEqual(["old", "half done", "new"]);
    expect(seen.filter((l) => l.stream === "stderr").map((l) => l.line)).toEqual(["oops"]);
  });

  it("keeps following across a copytruncate rotation without losing unread lines", async () => {
    writeFileSync(out, "first line\n");
    const abort = new AbortController();
    const seen: string[] = [];
    // A slow poll, so the writes and the rotation below all land between two polls.
    const reading = (async () => {
      for await (const l of readLogs(sources, { tail: 1, follow: true, signal: abort.signal, pollMs: 400 })) seen.push(l.line);
    })();
    await waitFor(() => seen.length === 1, "the first line");
    appendFileSync(out, "b\nc\n");
    await rotateIfLarger(out, 1, 2);
    appendFileSync(out, "d\n");
    // b and c were rotated away unread: the reader finds them in stdout.log.1.
    await waitFor(() => seen.length >= 4, "b, c and d");
    abort.abort();
    await reading;
    expect(seen).toEqual(["first line", "b", "c", "d"]);
  });

  it("ends at once when the signal is already aborted", async () => {
    await writeFile(out, "x\n");
    const abort = new AbortController();
    abort.abort();
    expect(await collect(readLogs(sources, { tail: 5, follow: true, signal: abort.signal }))).toEqual([]);
    await truncate(out, 0);
  });
});

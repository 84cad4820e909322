import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Output, formatBytes, formatDuration, formatPercent, formatProgress, formatTable } from "./output";

function streams(tty: boolean) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: tty, columns: 40 });
  const read = (s: PassThrough) => (s.read() as Buffer | null)?.toString() ?? "";
  return { io: { stdout, stderr }, out: () => read(stdout), err: () => read(stderr) };
}

describe("formatting", () => {
  it("aligns table columns and leaves the last one unpadded", () => {
    expect(formatTable(["ID", "NAME", "STATUS"], [["local", "This machine", "up"], ["b", "x", "down"]])).toBe(
      "ID     NAME          STATUS\nlocal  This machine  up\nb      x             down\n",
    );
    expect(formatTable(["A", "B"], [])).toBe("A  B\n");
  });

  it("prints bytes in binary units, from bigint too", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(150_001_087)).toBe("143 MiB");
    expect(formatBytes(25_232_000_000n)).toBe("23.5 GiB");
  });

  it("prints percentages, durations and upload progress", () => {
    expect(formatPercent(12.345)).toBe("12.3%");
    expect(formatDuration(0.9)).toBe("0s");
    expect(formatDuration(59)).toBe("59s");
    expect(formatDuration(192)).toBe("3m 12s");
    expect(formatDuration(5 * 3600 + 120)).toBe("5h 02m");
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe("2d 04h");
    expect(formatDuration(-5)).toBe("0s");
    expect(formatProgress(0, 2048)).toBe("0% (0 B of 2.0 KiB)");
    expect(formatProgress(1024, 2048)).toBe("50% (1.0 KiB of 2.0 KiB)");
    expect(formatProgress(2048, 2048)).toBe("100% (2.0 KiB of 2.0 KiB)");
    expect(formatProgress(0, 0)).toBe("100% (0 B of 0 B)");
  });
});

describe("Output", () => {
  it("writes results for people, and JSON only with --json", () => {
    const human = streams(false);
    const o = new Output(human.io, false);
    o.result("hello");
    o.data({ a: 1 });
    expect(human.out()).toBe("hello\n");

    const script = streams(false);
    const j = new Output(script.io, true);
    j.result("hello");
    j.data({ a: 1 });
    j.data({ b: 2 });
    expect(script.out()).toBe('{"a":1}\n{"b":2}\n');
  });

  it("draws the status line only on a terminal, cut to its width, and clears it before notes", () => {
    const pipe = streams(false);
    new Output(pipe.io, false).status("uploading 5%");
    expect(pipe.err()).toBe("");

    const tty = streams(true);
    const o = new Output(tty.io, false);
    o.status("uploading a-very-long-file-name-indeed.zip: 5% (1 MiB of 20 MiB)");
    o.note("verifying");
    const text = tty.err();
    const [statusPart, notePart] = text.split("\r\x1b[2K").filter(Boolean);
    expect(statusPart!.length).toBe(39);
    expect(statusPart!.endsWith("…")).toBe(true);
    expect(notePart).toBe("verifying\n");
  });

  it("prints errors as `sysward: message` plus detail lines, and nothing for an empty one", () => {
    const s = streams(false);
    const o = new Output(s.io, true);
    o.error("install failed", ["last log lines:", "  boom"]);
    o.error("");
    expect(s.err()).toBe("sysward: install failed\nlast log lines:\n  boom\n");
    expect(s.out()).toBe("");
  });
});

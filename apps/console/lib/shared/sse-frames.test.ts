import { describe, expect, it } from "vitest";
import { takeSseFrames } from "./sse-frames";

describe("takeSseFrames", () => {
  it("cuts complete frames, skips comments, keeps the rest for the next read", () => {
    const { frames, rest } = takeSseFrames('retry: 2000\nevent: snapshot\nid: ab-1\ndata: {"a":1}\n\n: keep-alive\n\nevent: perf\nid: ab-2\ndata: {"b"');
    expect(frames).toEqual([{ event: "snapshot", id: "ab-1", data: '{"a":1}' }]);
    expect(rest).toBe('event: perf\nid: ab-2\ndata: {"b"');
  });

  it("joins data lines and defaults the event name", () => {
    expect(takeSseFrames("data: one\ndata: two\n\n").frames).toEqual([{ event: "message", id: "", data: "one\ntwo" }]);
  });
});

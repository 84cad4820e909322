// Handler logic over the in-memory router transport, with the real collector (live /proc) and
// a real history file. The over-the-socket tests live with the server.
import { timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { AgentService, type PerfSample, type WatchPerfResponse } from "@sysward/proto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PerfHistory } from "../history/perf-history";
import { PerfCollector } from "../perf/perf-collector";
import { PerfWatchers } from "../perf/perf-watchers";
import { perfHandlers } from "./perf-handlers";
import pino from "pino";
import { waitFor } from "../runtime/testing/wait-for";
import { errorsInterceptor } from "./interceptors/errors";

// The agent's own error mapping: domain errors reach the client with their Connect codes.
const ERRORS = { router: { interceptors: [errorsInterceptor(pino({ level: "silent" }))] } };

const ms = (t: Timestamp | undefined) => timestampMs(t!);

describe("perf handlers", () => {
  let dir: string;
  let perf: PerfCollector;
  let history: PerfHistory;
  let watchers: PerfWatchers;
  let client: Client<typeof AgentService>;
  /** Every sample the collector published, in order. */
  let published: PerfSample[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "perf-handlers-"));
    history = PerfHistory.open(path.join(dir, "perf.db"));
    perf = new PerfCollector({ intervalMs: 40, servicePids: () => new Map([["self", [process.pid]]]), history });
    await perf.start();
    published = [perf.latest()];
    perf.subscribe((s) => published.push(s));
    watchers = new PerfWatchers(perf, { maxWatchers: 250 });
    const transport = createRouterTransport((router) => router.service(AgentService, perfHandlers({ perf, history, watchers })), ERRORS);
    client = createClient(AgentService, transport);
  });
  afterEach(async () => {
    await perf.stop();
    history.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("SystemPerf returns the collector's latest sample", async () => {
    const res = await client.systemPerf({});
    const latest = perf.latest();
    // The sample may have been swapped in between: it is one of the published ones, whole.
    expect(published.some((s) => ms(s.time) === ms(res.sample!.time))).toBe(true);
    expect(res.sample!.cores.length).toBe(latest.cores.length);
    expect(res.sample!.services.map((s) => s.name)).toEqual(["self"]);
    expect(res.sample!.services[0]!.processCount).toBeGreaterThanOrEqual(1);
  });

  it("WatchPerf sends the latest sample at once, then each new one", async () => {
    const before = perf.latest();
    const got: WatchPerfResponse[] = [];
    // Connect clients are cancelled through their signal (breaking out of the loop does not).
    const abort = new AbortController();
    for await (const res of client.watchPerf({}, { signal: abort.signal })) {
      got.push(res);
      if (got.length === 4) break;
    }
    abort.abort();
    expect(ms(got[0]!.sample!.time)).toBeGreaterThanOrEqual(ms(before.time));
    const idx = got.map((r) => published.findIndex((s) => ms(s.time) === ms(r.sample!.time)));
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect(idx.slice(1).every((v, i) => v === idx[i]! + 1)).toBe(true); // a prompt reader misses none
    expect(got.every((r) => r.dropped === 0n)).toBe(true);
    await waitFor(() => watchers.stats().active === 0 && perf.stats().watchers === 1, "the watcher to go");
  });

  it("WatchPerf honours every", async () => {
    const got: WatchPerfResponse[] = [];
    const abort = new AbortController();
    for await (const res of client.watchPerf({ every: 3 }, { signal: abort.signal })) {
      got.push(res);
      if (got.length === 4) break;
    }
    abort.abort();
    const idx = got.map((r) => published.findIndex((s) => ms(s.time) === ms(r.sample!.time)));
    expect(idx.slice(2).every((v, i) => v - idx[i + 1]! === 3)).toBe(true);
  });

  it("WatchPerf rejects an absurd every", async () => {
    const it = client.watchPerf({ every: 100_000 })[Symbol.asyncIterator]();
    const err = await it.next().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toMatch(/every must be at most 3600/);
  });

  it("WatchPerf ends when the client goes away, and when the collector stops", async () => {
    const abort = new AbortController();
    const gone = client.watchPerf({}, { signal: abort.signal })[Symbol.asyncIterator]();
    await gone.next();
    const stays = client.watchPerf({})[Symbol.asyncIterator]();
    await stays.next();
    expect(watchers.stats().active).toBe(2);

    abort.abort();
    await expect(gone.next()).rejects.toMatchObject({ code: Code.Canceled });
    await waitFor(() => watchers.stats().active === 1, "one watcher left");

    await perf.stop();
    // The stream ends cleanly (done, no error) — possibly after one last pending sample.
    let r = await stays.next();
    if (!r.done) r = await stays.next();
    expect(r.done).toBe(true);
    expect(watchers.stats().active).toBe(0);
    expect(perf.stats().watchers).toBe(0);
  });

  it("200 watchers that never read hold at most one sample each and count what they miss", async () => {
    const abort = new AbortController();
    const streams = Array.from({ length: 200 }, () => client.watchPerf({}, { signal: abort.signal })[Symbol.asyncIterator]());
    await Promise.all(streams.map((s) => s.next())); // each has its first sample; none reads again
    expect(watchers.stats().active).toBe(200);
    const start = perf.stats().samplesTaken;
    await waitFor(() => perf.stats().samplesTaken >= start + 10, "ten more samples");
    const states = watchers.watchers();
    expect(states).toHaveLength(200);
    expect(Math.max(...states.map((s) => s.queued))).toBeLessThanOrEqual(1);
    expect(Math.min(...states.map((s) => s.dropped))).toBeGreaterThanOrEqual(7);
    expect(watchers.stats().droppedTotal).toBeGreaterThanOrEqual(200 * 7);

    // A late reader gets the newest sample and learns how many it missed.
    const late = await streams[0]!.next();
    expect(Number(late.value!.dropped)).toBeGreaterThanOrEqual(7);
    expect(ms(late.value!.sample!.time)).toBeGreaterThanOrEqual(ms(published[start + 9]!.time));

    abort.abort();
    await waitFor(() => watchers.stats().active === 0 && perf.stats().watchers === 1, "all watchers gone");
  });

  it("WatchPerf refuses more watchers than the limit with ResourceExhausted", async () => {
    const small = new PerfWatchers(perf, { maxWatchers: 1 });
    const c = createClient(AgentService, createRouterTransport((r) => r.service(AgentService, perfHandlers({ perf, history, watchers: small })), ERRORS));
    const abort = new AbortController();
    const first = c.watchPerf({}, { signal: abort.signal })[Symbol.asyncIterator]();
    await first.next();
    const second = c.watchPerf({}, { signal: abort.signal })[Symbol.asyncIterator]();
    await expect(second.next()).rejects.toMatchObject({ code: Code.ResourceExhausted });
    abort.abort();
  });

  it("PerfHistory returns the collected samples", async () => {
    const from = Date.now() - 1000;
    await waitFor(() => published.length >= 5, "a few samples");
    const res = await client.perfHistory({ start: timestampFromMs(from) });
    expect(res.resolution).toBe("1s");
    expect(res.stepSeconds).toBe(1);
    expect(res.points.length).toBeGreaterThanOrEqual(1);
    const last = res.points.at(-1)!;
    expect(last.memoryUsedPercent).toBeGreaterThan(0);
    expect(last.services.map((s) => s.name)).toEqual(["self"]);
    expect(last.services[0]!.rssBytes).toBeGreaterThan(0n);
  });

  it("PerfHistory rejects bad requests with InvalidArgument", async () => {
    const now = Date.now();
    const cases: [Parameters<typeof client.perfHistory>[0], RegExp][] = [
      [{}, /start is required/],
      [{ start: timestampFromMs(now), end: timestampFromMs(now - 60_000) }, /before start/],
      [{ start: timestampFromMs(now - 120 * 86400_000) }, /history keeps 90d/],
      [{ start: timestampFromMs(now + 3600_000) }, /in the future/],
      [{ start: { seconds: BigInt(Math.floor(now / 1000)), nanos: 2e9 } }, /start is not a valid timestamp/],
    ];
    for (const [req, message] of cases) {
      const err = await client.perfHistory(req).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(err?.code, JSON.stringify(req, (_, v) => (typeof v === "bigint" ? String(v) : v))).toBe(Code.InvalidArgument);
      expect(err?.rawMessage).toMatch(message);
    }
  });
});

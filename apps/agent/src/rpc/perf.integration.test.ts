// Perf over the real socket: every transport, live streams, history across a restart, many watchers.
import { create, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AgentService, PerfHistoryResponseSchema, PerfSampleSchema } from "@sysward/proto";
import { mkdirSync, mkdtempSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerfHistory } from "../history/perf-history";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachTransport } from "./testing/for-each-transport";
import { debugVars } from "./testing/debug-vars";
import { rssBytes } from "../reliability/testing/proc-usage";
import { startTestAgent, type TestAgent } from "./testing/start-test-agent";

describe("perf over the socket", () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startTestAgent({ env: { SYSWARD_PERF_INTERVAL_MS: "100" } });
  });
  afterAll(async () => {
    await agent?.stop();
    agent?.cleanup();
  });

  describeEachTransport("SystemPerf and WatchPerf", (kind) => {
    it("returns the cached snapshot with CPU, memory and load", async () => {
      const { sample } = await agent.client(kind).systemPerf({});
      expect(sample?.memory?.totalBytes).toBeGreaterThan(0n);
      expect(sample?.memory?.availableBytes).toBeGreaterThan(0n);
      expect(sample?.cores.length).toBeGreaterThan(0);
      const cpu = sample!.cpu!;
      const sum = cpu.userPercent + cpu.nicePercent + cpu.systemPercent + cpu.idlePercent + cpu.iowaitPercent + cpu.irqPercent + cpu.softirqPercent + cpu.stealPercent;
      expect(sum).toBeGreaterThan(99);
      expect(sum).toBeLessThan(101);
    });

    it("streams the first sample at once and then new ones", async () => {
      const ac = new AbortController();
      const times: bigint[] = [];
      for await (const res of agent.client(kind).watchPerf({}, { signal: ac.signal })) {
        times.push(res.sample!.time!.seconds * 1000n + BigInt(Math.round(res.sample!.time!.nanos / 1e6)));
        if (times.length === 3) break;
      }
      ac.abort();
      expect(times[1]! > times[0]!).toBe(true);
      expect(times[2]! > times[1]!).toBe(true);
    });
  });

  it("answers history and refuses bad ranges with InvalidArgument", async () => {
    const now = Date.now();
    await expect.poll(async () => (await agent.client().perfHistory({ start: timestampFromDate(new Date(now - 60_000)) })).points.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const bad = agent.client().perfHistory({ start: timestampFromDate(new Date(now)), end: timestampFromDate(new Date(now - 60_000)) });
    await expect(bad).rejects.toSatisfy((e: unknown) => ConnectError.from(e).code === Code.InvalidArgument && /end/i.test(ConnectError.from(e).rawMessage));
    const week = await agent.client("grpc").perfHistory({ start: timestampFromDate(new Date(now - 7 * 86400_000)) });
    expect(week.resolution).toBe("1m");
  });

  it("publishes system-cpu, system-mem and system-load in /debug/vars", async () => {
    const v = await debugVars(agent);
    expect(v["system-cpu"]).toMatchObject({ cores: expect.any(Array) });
    expect(Number((v["system-mem"] as { totalBytes: string }).totalBytes)).toBeGreaterThan(0);
    expect(v["system-load"]).toHaveProperty("one");
    expect((v["system-filesystems"] as Array<{ mountPoint: string }>).map((f) => f.mountPoint)).toContain("/");
    expect((v["system-network"] as Array<{ device: string }>).map((n) => n.device)).toContain("lo");
    expect(Array.isArray(v["system-disks"])).toBe(true);
    expect(v["system-pressure"] === null || typeof v["system-pressure"] === "object").toBe(true);
  });

  it("holds 100 watchers that never read with bounded memory, and forgets them when they go", async () => {
    const ac = new AbortController();
    const streams = Array.from({ length: 100 }, () => agent.client("grpc").watchPerf({}, { signal: ac.signal })[Symbol.asyncIterator]());
    // Pull one message from each so every stream is established, then stop reading.
    await Promise.all(streams.map((s) => s.next()));
    const watching = async () => ((await debugVars(agent))["perf-collector"] as { watchers: { active: number } }).watchers.active;
    expect(await watching()).toBe(100);
    const pid = agent.process.pid!;
    const before = rssBytes(pid);
    // 30 more samples (100 ms apart) arrive while nobody reads.
    const samples = async () => ((await debugVars(agent))["perf-collector"] as { samplesTaken: number }).samplesTaken;
    const start = await samples();
    await expect.poll(samples, { timeout: 15_000 }).toBeGreaterThan(start + 30);
    const after = rssBytes(pid);
    // Each watcher holds at most one pending sample; 100 × 30 queued samples would show.
    expect(after - before).toBeLessThan(32 * 1024 * 1024);
    ac.abort();
    await expect.poll(watching, { timeout: 10_000 }).toBe(0);
  });
});

describe("history across a restart", () => {
  it("keeps what it recorded", async () => {
    const first = await startTestAgent({ env: { SYSWARD_PERF_INTERVAL_MS: "100" } });
    const started = new Date(Date.now() - 1000);
    let count = 0;
    try {
      await expect.poll(async () => (count = (await first.client().perfHistory({ start: timestampFromDate(started) })).points.length), { timeout: 15_000 }).toBeGreaterThan(3);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startTestAgent({ dataDir: first.dataDir });
    try {
      const res = await second.client().perfHistory({ start: timestampFromDate(started) });
      expect(res.points.length).toBeGreaterThanOrEqual(count);
    } finally {
      await second.stop();
      second.cleanup();
    }
  });
});

describe("history and samples in protobuf binary and in JSON", () => {
  // Binary answers are written by hand (history/perf-history-wire.ts), JSON ones by protobuf-es.
  // A week of history with services, seeded up to 10 minutes ago through PerfHistory itself: a
  // range ending 6 minutes ago is then complete, and every call must get the same answer.
  let agent: TestAgent;
  const now = Date.now();
  beforeAll(async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "sysward-test-")), "data");
    mkdirSync(dataDir, { mode: 0o700 });
    const history = PerfHistory.open(join(dataDir, "history.sqlite"), { flushEveryMs: Number.MAX_SAFE_INTEGER, now: () => now });
    for (let t = now - 7 * 86400_000, i = 0; t < now - 10 * 60_000; t += 5 * 60_000, i++) {
      history.record(
        create(PerfSampleSchema, {
          time: timestampFromMs(t),
          cpu: { busyPercent: (i % 90) + 0.5 },
          memory: { usedPercent: 40, usedBytes: BigInt(8e9 + i) },
          load: { one: i / 7 },
          services: ["api", "wörker"].map((name, k) => ({ name, cpuPercent: k + i / 3, rssBytes: BigInt(k * 1e6 + i), processCount: 1 })),
        }),
      );
    }
    history.close();
    agent = await startTestAgent({ dataDir, env: { SYSWARD_PERF_INTERVAL_MS: "100" } });
  });
  afterAll(async () => {
    await agent?.stop();
    agent?.cleanup();
  });

  it("answers the same on every protocol, in both encodings, and over Connect GET", async () => {
    const bearer: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${agent.token}`);
      return next(req);
    };
    const base = { baseUrl: "http://localhost", httpVersion: "2" as const, nodeOptions: { createConnection: () => net.connect(agent.socketPath) }, interceptors: [bearer] };
    const transports = {
      "connect binary": createConnectTransport({ ...base, useBinaryFormat: true }),
      "connect JSON": createConnectTransport({ ...base, useBinaryFormat: false }),
      "connect GET binary": createConnectTransport({ ...base, useBinaryFormat: true, useHttpGet: true }),
      "connect GET JSON": createConnectTransport({ ...base, useBinaryFormat: false, useHttpGet: true }),
      "grpc binary": createGrpcTransport({ ...base, useBinaryFormat: true }),
      "grpc JSON": createGrpcTransport({ ...base, useBinaryFormat: false }),
      "grpc-web binary": createGrpcWebTransport({ ...base, useBinaryFormat: true }),
      "grpc-web JSON": createGrpcWebTransport({ ...base, useBinaryFormat: false }),
    };
    const end = new Date(now - 6 * 60_000);
    for (const start of [new Date(end.getTime() - 7 * 86400_000), new Date(end.getTime() - 3 * 3600_000)]) {
      const answers = new Map<string, unknown>();
      for (const [name, transport] of Object.entries(transports)) {
        const res = await createClient(AgentService, transport).perfHistory({ start: timestampFromDate(start), end: timestampFromDate(end) });
        expect(res.points.length, name).toBeGreaterThan(30);
        expect(res.points.at(-1)!.services.map((x) => x.name), name).toEqual(["api", "wörker"]);
        answers.set(name, toJson(PerfHistoryResponseSchema, res));
      }
      for (const [name, answer] of answers) expect(answer, name).toEqual(answers.get("connect JSON"));
    }
  });

  it("streams WatchPerf in JSON too (binary streams share one encoding of each sample)", async () => {
    const bearer: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${agent.token}`);
      return next(req);
    };
    const base = { baseUrl: "http://localhost", httpVersion: "2" as const, nodeOptions: { createConnection: () => net.connect(agent.socketPath) }, interceptors: [bearer] };
    for (const transport of [createConnectTransport({ ...base, useBinaryFormat: false }), createGrpcWebTransport({ ...base, useBinaryFormat: false })]) {
      const ac = new AbortController();
      const seen: number[] = [];
      for await (const res of createClient(AgentService, transport).watchPerf({}, { signal: ac.signal })) {
        expect(res.sample?.memory?.totalBytes).toBeGreaterThan(0n);
        seen.push(Number(res.sample!.time!.seconds) * 1000 + res.sample!.time!.nanos / 1e6);
        if (seen.length === 2) break;
      }
      ac.abort();
      expect(seen[1]).toBeGreaterThan(seen[0]!);
    }
  });
});

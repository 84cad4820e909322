// /metrics over the REAL agent's socket: the token, the exposition format through a third-party
// parser, and values that move as the machine, a real installed service, installs and RPCs do.
import { Code, ConnectError } from "@connectrpc/connect";
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { cpus } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentClient } from "../client/socket-transport";
import { installVia } from "../install/testing/install-via";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { http2Get } from "../rpc/testing/raw-http2";
import { startTestAgent, type TestAgent } from "../rpc/testing/start-test-agent";
import { waitFor } from "../runtime/testing/wait-for";
import { ParsedMetrics } from "./testing/parsed-metrics";

let agent: TestAgent;

async function scrape(): Promise<ParsedMetrics> {
  const res = await http2Get(agent.socketPath, "/metrics", { authorization: `Bearer ${agent.token}` });
  expect(res.status).toBe(200);
  return new ParsedMetrics(res.body);
}

/** Installs started and finished by outcome. */
function installCounts(m: ParsedMetrics) {
  const finished = (outcome: string) => m.value("sysward_agent_installs_finished_total", { outcome }) ?? 0;
  return {
    started: m.value("sysward_agent_installs_started_total") ?? 0,
    succeeded: finished("succeeded"),
    failed: finished("failed"),
    rolledBack: finished("rolled_back"),
  };
}

beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent?.stop();
  agent?.cleanup();
});

describe("/metrics on the agent's socket", () => {
  it("needs the token, like every RPC and /debug/vars", async () => {
    expect((await http2Get(agent.socketPath, "/metrics")).status).toBe(401);
    expect((await http2Get(agent.socketPath, "/metrics", { authorization: "Bearer nope" })).status).toBe(401);
    const res = await http2Get(agent.socketPath, "/metrics", { authorization: `Bearer ${agent.token}` });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(res.body).not.toContain(agent.token);
  });

  it("exposes the machine: CPU seconds that grow, memory as /proc/meminfo says, load, cores", async () => {
    const first = await scrape();
    expect(first.family("sysward_system_cpu_seconds_total").type).toBe("COUNTER");
    const modes = first.samples("sysward_system_cpu_seconds_total").map((s) => s.labels?.mode).sort();
    expect(modes).toEqual(["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"]);
    const cpu0 = first.sum("sysward_system_cpu_seconds_total");
    expect(cpu0).toBeGreaterThan(0);
    // Counters from the cumulative ticks: the next samples (every 200 ms here) add to them.
    const later = await waitFor(async () => {
      const m = await scrape();
      return m.sum("sysward_system_cpu_seconds_total") > cpu0 && m;
    }, "system CPU seconds to grow");
    for (const mode of modes) {
      expect(later.value("sysward_system_cpu_seconds_total", { mode: mode! })).toBeGreaterThanOrEqual(first.value("sysward_system_cpu_seconds_total", { mode: mode! })!);
    }

    const memTotalKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))![1]);
    expect(later.value("sysward_system_memory_total_bytes")).toBe(memTotalKiB * 1024);
    const available = later.value("sysward_system_memory_available_bytes")!;
    expect(available).toBeGreaterThan(0);
    expect(later.value("sysward_system_memory_used_bytes")).toBe(memTotalKiB * 1024 - available);
    expect(later.value("sysward_system_load1")).toBeGreaterThanOrEqual(0);
    expect(later.value("sysward_system_cpus")).toBe(cpus().length);
    const sampleAge = Date.now() / 1000 - later.value("sysward_system_sample_timestamp_seconds")!;
    expect(sampleAge).toBeGreaterThanOrEqual(-1);
    expect(sampleAge).toBeLessThan(30);
    expect(later.value("sysward_agent_perf_samples_total")).toBeGreaterThan(first.value("sysward_agent_perf_samples_total")!);

    // The agent's own process, from prom-client's default metrics under our prefix.
    expect(later.value("sysward_agent_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(later.value("sysward_agent_process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(later.samples("sysward_agent_info")[0]?.labels).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), runtime: "supervisor" });
  });

  it("exposes filesystems, disks, network interfaces and pressure as this machine has them", async () => {
    const m = await scrape();
    // The root filesystem (overlay in a container), with what statfs says of it.
    const root = m.samples("sysward_filesystem_size_bytes").find((s) => s.labels?.mountpoint === "/");
    expect(root, JSON.stringify(m.samples("sysward_filesystem_size_bytes"))).toBeDefined();
    const st = statfsSync("/");
    expect(Number(root!.value)).toBe(st.blocks * st.bsize);
    expect(m.value("sysward_filesystem_avail_bytes", { mountpoint: "/" })).toBeGreaterThan(0);
    expect(m.family("sysward_disk_read_bytes_total").type).toBe("COUNTER");
    // Whole disks as /proc/diskstats counts them, and no loop or zram device.
    const disks = m.samples("sysward_disk_read_bytes_total").map((s) => s.labels!.device!);
    const wholeDisks = readFileSync("/proc/diskstats", "utf8").split("\n").map((l) => l.trim().split(/\s+/)[2]).filter((d): d is string => !!d && !/^(z?ram|loop)\d+$/.test(d) && !/^(h|s|v|xv)d[a-z]+\d+$/.test(d));
    expect(disks.sort()).toEqual(wholeDisks.sort());
    expect(m.samples("sysward_network_receive_bytes_total", { device: "lo" })[0]?.labels?.virtual).toBe("true");
    // Loopback traffic: this very scrape went over a Unix socket, but the agent's own lo counters only grow.
    expect(m.value("sysward_network_transmit_bytes_total", { device: "lo" })).toBeGreaterThanOrEqual(0);
    const psi = existsSync("/proc/pressure/io");
    expect(m.samples("sysward_pressure_io_waiting_seconds_total").length).toBe(psi ? 1 : 0);
    if (psi) expect(m.value("sysward_pressure_io_waiting_seconds_total")).toBeGreaterThan(0);
    const perf = await createAgentClient(agent.socketPath, agent.token).systemPerf({});
    expect(perf.sample?.filesystems.some((f) => f.mountPoint === "/")).toBe(true);
    expect(perf.sample?.networks.find((n) => n.device === "lo")?.loopback).toBe(true);
  });

  it("counts RPCs by method and code, refused ones included, with latencies", async () => {
    const before = await scrape();
    const client = agent.client();
    for (let i = 0; i < 3; i++) await client.agentInfo({});
    const refused = await createAgentClient(agent.socketPath, "wrong", "grpc").agentInfo({}).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(refused?.code).toBe(Code.Unauthenticated);
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) => (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);
    expect(delta("sysward_agent_rpc_started_total", { method: "AgentInfo" })).toBe(4);
    expect(delta("sysward_agent_rpc_handled_total", { method: "AgentInfo", code: "OK" })).toBe(3);
    expect(delta("sysward_agent_rpc_handled_total", { method: "AgentInfo", code: "Unauthenticated" })).toBe(1);
    const h0 = before.histogram("sysward_agent_rpc_duration_seconds", { method: "AgentInfo", code: "OK" });
    const h1 = after.histogram("sysward_agent_rpc_duration_seconds", { method: "AgentInfo", code: "OK" });
    expect(h1.count - h0.count).toBe(3);
    expect(h1.sum).toBeGreaterThan(h0.sum);
    expect(h1.buckets.get("+Inf")).toBe(h1.count);
    const counts = [...h1.buckets.values()];
    expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
  });

  it("times a stream to its end: a WatchPerf the client abandons ends Canceled", async () => {
    const canceled = () => scrape().then((m) => m.value("sysward_agent_rpc_handled_total", { method: "WatchPerf", code: "Canceled" }) ?? 0);
    const before = await canceled();
    const started0 = (await scrape()).value("sysward_agent_rpc_started_total", { method: "WatchPerf" }) ?? 0;
    const ac = new AbortController();
    let n = 0;
    await expect(
      (async () => {
        for await (const _ of agent.client().watchPerf({}, { signal: ac.signal })) if (++n === 2) ac.abort();
      })(),
    ).rejects.toThrow();
    expect((await scrape()).value("sysward_agent_rpc_started_total", { method: "WatchPerf" })).toBe(started0 + 1);
    await waitFor(async () => (await canceled()) === before + 1, "the abandoned WatchPerf to be counted Canceled");
  });

  it("shows an installed service with state, RSS and CPU seconds; counts installs, rollbacks, failures and restarts", async () => {
    const client = agent.client();
    const c0 = installCounts(await scrape());

    // Burns ~0.3 s of CPU once its pid is surely watched, then idles.
    const burn = `sleep 1; i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo burned; while :; do sleep 1; done`;
    const t0 = Date.now();
    const res = await installVia(client, { name: "metered", healthSeconds: 1 }, shellServiceZip("metered", burn));
    const version = res.service!.version!.id;
    const svc = { service: "metered" };
    const m = await waitFor(async () => {
      const s = await scrape();
      return (s.value("sysward_service_cpu_seconds_total", svc) ?? 0) >= 0.1 && s;
    }, "the service's CPU seconds to count its burst");
    expect(m.value("sysward_service_cpu_seconds_total", svc)).toBeLessThanOrEqual(((Date.now() - t0) / 1000) * cpus().length);
    expect(m.value("sysward_service_state", { ...svc, state: "running" })).toBe(1);
    expect(m.sum("sysward_service_state", svc)).toBe(1);
    expect(m.value("sysward_service_restarts_total", svc)).toBe(0);
    expect(m.value("sysward_service_memory_rss_bytes", svc)).toBeGreaterThan(0);
    // The supervisor's services share the agent's cgroup: their tree is counted, and there are no cgroup-only figures.
    expect(m.samples("sysward_service_accounting", svc).map((x) => x.labels)).toEqual([{ service: "metered", source: "process-tree" }]);
    expect(m.samples("sysward_service_memory_bytes", svc)).toEqual([]);
    expect(m.value("sysward_service_processes", svc)).toBeGreaterThanOrEqual(1);
    expect(m.value("sysward_service_enabled", svc)).toBe(1);
    expect(m.samples("sysward_service_info", svc)[0]?.labels).toEqual({ service: "metered", version, runtime: "supervisor" });
    const c1 = installCounts(m);
    expect(c1).toEqual({ ...c0, started: c0.started + 1, succeeded: c0.succeeded + 1 });

    // A broken upgrade: started, failed its health window, the previous version runs again.
    await expect(installVia(client, { name: "metered", healthSeconds: 1 }, shellServiceZip("metered", shellBodies.broken("v2")))).rejects.toThrow(/health/);
    // A broken first install of another name: nothing to go back to, so it simply failed.
    await expect(installVia(client, { name: "doomed", healthSeconds: 1 }, shellServiceZip("doomed", shellBodies.broken("d1")))).rejects.toThrow(/health/);
    const m2 = await scrape();
    expect(installCounts(m2)).toEqual({ ...c1, started: c1.started + 2, rolledBack: c1.rolledBack + 1, failed: c1.failed + 1 });
    expect(m2.samples("sysward_service_info", svc)[0]?.labels?.version).toBe(version);
    expect(m2.samples("sysward_service_state", { service: "doomed" })).toEqual([]);

    // A service that crashes after its health window: the supervisor restarts it, and it shows.
    await installVia(client, { name: "crashy", healthSeconds: 1 }, shellServiceZip("crashy", shellBodies.crashesAfter("c1", 1.5)));
    await waitFor(async () => ((await scrape()).value("sysward_service_restarts_total", { service: "crashy" }) ?? 0) >= 1, "crashy's restart to be counted", {
      timeoutMs: 15_000,
    });

    // Removed services leave /metrics.
    await client.remove({ name: "metered" });
    await client.remove({ name: "crashy" });
    const m3 = await scrape();
    expect(m3.samples("sysward_service_cpu_seconds_total", svc)).toEqual([]);
    expect(m3.samples("sysward_service_state", { service: "crashy" })).toEqual([]);
  });
});

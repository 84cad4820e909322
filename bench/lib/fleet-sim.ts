// A fleet of lightweight endpoints that speak the real AgentService protocol (the generated
// service, connect-node, HTTP/2) over real Unix sockets, one socket per simulated machine: what
// the console's fleet monitor sees of a machine — AgentInfo, PerfHistory, WatchPerf (a sample a
// second), WatchServices (three services, then a change when told), ListServices, GetService and
// Install (the package's bytes read and hashed, then its health window waited out, then the new
// version reported) — without a real agent's /proc reading, SQLite history, unzip or runtime
// behind it. For measuring the console at 100 and 1,000 machines on one box.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  AgentInfoResponseSchema,
  AgentService,
  InstallPhase,
  ListServicesResponseSchema,
  PerfHistoryResponseSchema,
  PerfSampleSchema,
  ServiceSchema,
  ServiceState,
  ServiceVersionSchema,
  WatchServicesResponseSchema,
  type InstallHeader,
  type PerfSample,
  type Service,
} from "@sysward/proto";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import http2 from "node:http2";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const SERVICE_NAMES = ["web", "worker", "cron"];

interface Machine {
  index: number;
  socketPath: string;
  server: http2.Http2Server;
  sessions: Set<http2.ServerHttp2Session>;
  services: Service[];
  /** Wakes this machine's WatchServices streams. */
  changed: Set<() => void>;
  /** The last version number an Install gave. */
  versions: number;
}

export interface SimFleet {
  socketPath(i: number): string;
  /** Puts service `web` of machine `i` in state FAILED (or back to RUNNING); resolves once streams were told. */
  setFailed(i: number, failed: boolean): void;
  /** Machine `i` stops answering: its listener closes and its connections are destroyed (a crash). */
  down(i: number): Promise<void>;
  up(i: number): Promise<void>;
  close(): Promise<void>;
}

function service(name: string, state: ServiceState, sinceMs: number): Service {
  return create(ServiceSchema, {
    name,
    state,
    version: { id: "1-0badc0de", sha256: "0".repeat(64), installed: timestampFromMs(sinceMs), sizeBytes: 1024n },
    since: timestampFromMs(sinceMs),
    runtime: "supervisor",
    enabled: true,
    stateDetail: state === ServiceState.FAILED ? "crashed 5 times within 60 s; simulated" : "",
  });
}

/** One sample for every machine this second: a machine's figures are not what is measured. */
function sampleAt(ms: number): PerfSample {
  const busy = 20 + 10 * Math.sin(ms / 10_000);
  return create(PerfSampleSchema, {
    time: timestampFromMs(ms),
    intervalMs: 1000,
    cpu: { busyPercent: busy, userPercent: busy * 0.7, systemPercent: busy * 0.3, idlePercent: 100 - busy },
    cores: [{ id: "cpu0" }, { id: "cpu1" }],
    memory: { totalBytes: 8n << 30n, availableBytes: 4n << 30n, usedBytes: 4n << 30n, usedPercent: 50 },
    load: { one: 0.5, five: 0.4, fifteen: 0.3 },
    services: SERVICE_NAMES.map((name) => ({ name, cpuPercent: 1, rssBytes: 50n << 20n, processCount: 1 })),
  });
}

export async function startSimFleet(o: { count: number; dir: string; token: string }): Promise<SimFleet> {
  // The one clock of the fleet: every WatchPerf stream waits on it.
  let latest = sampleAt(Date.now());
  const tickers = new Set<() => void>();
  const clock = setInterval(() => {
    latest = sampleAt(Date.now());
    for (const t of [...tickers]) t();
  }, 1000);

  const bearer: Interceptor = (next) => (req) => {
    if (req.header.get("authorization") !== `Bearer ${o.token}`) throw new ConnectError("missing or wrong bearer token", Code.Unauthenticated);
    return next(req);
  };
  const history = create(PerfHistoryResponseSchema, {
    stepSeconds: 10,
    resolution: "1s",
    points: Array.from({ length: 60 }, (_, k) => ({ time: timestampFromMs(Date.now() - (60 - k) * 10_000), cpuBusyPercent: 20 + (k % 7), memoryUsedPercent: 50 })),
  });

  const routes = (m: Machine) => (router: ConnectRouter) =>
    router.service(AgentService, {
      agentInfo: () =>
        create(AgentInfoResponseSchema, {
          hostname: `sim-${m.index}`,
          os: "linux",
          osRelease: "Simulated Linux",
          kernel: "6.0.0-sim",
          arch: "x64",
          cpuModel: "simulated",
          cpuCount: 2,
          memoryTotalBytes: 8n << 30n,
          agentVersion: "0.0.0-sim",
          runtime: "supervisor",
          perfIntervalMs: 1000,
          isolation: { policy: "required", sandboxed: true, detail: "simulated" },
        }),
      perfHistory: () => history,
      systemPerf: () => ({ sample: latest }),
      listServices: () => create(ListServicesResponseSchema, { services: m.services }),
      getService: (req) => {
        const found = m.services.find((s) => s.name === req.name);
        if (!found) throw new ConnectError(`no package named ${req.name} is installed`, Code.NotFound);
        return { service: found };
      },
      async install(requests, ctx) {
        let header: InstallHeader | undefined;
        const hash = createHash("sha256");
        let size = 0n;
        for await (const r of requests) {
          if (r.msg.case === "header") header = r.msg.value;
          else if (r.msg.case === "chunk") {
            hash.update(r.msg.value);
            size += BigInt(r.msg.value.length);
          }
        }
        if (!header) throw new ConnectError("the first message must be the header", Code.InvalidArgument);
        const sha256 = hash.digest("hex");
        if (header.sha256 && header.sha256 !== sha256) throw new ConnectError(`the package's sha256 is ${sha256}, not ${header.sha256}`, Code.InvalidArgument);
        const previous = m.services.find((s) => s.name === header.name);
        await sleep((header.healthSeconds ?? 30) * 1000, undefined, { signal: ctx.signal }).catch(() => {});
        const installed = service(header.name, ServiceState.RUNNING, Date.now());
        installed.version = create(ServiceVersionSchema, { id: `${++m.versions}-${sha256.slice(0, 8)}`, sha256, installed: timestampFromMs(Date.now()), sizeBytes: size });
        installed.phase = InstallPhase.RUNNING;
        m.services = previous ? m.services.map((s) => (s === previous ? installed : s)) : [...m.services, installed];
        for (const wake of [...m.changed]) wake();
        return { service: installed, previousVersion: previous?.version?.id ?? "" };
      },
      async *watchPerf(req, ctx) {
        // As an agent does: every `every`-th sample of its one-a-second clock.
        const every = Math.max(1, req.every);
        yield { sample: latest, dropped: 0n };
        for (let tick = 1; !ctx.signal.aborted; tick++) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              tickers.delete(wake);
              ctx.signal.removeEventListener("abort", wake);
              resolve();
            };
            tickers.add(wake);
            ctx.signal.addEventListener("abort", wake);
          });
          if (!ctx.signal.aborted && tick % every === 0) yield { sample: latest, dropped: 0n };
        }
      },
      async *watchServices(_req, ctx) {
        yield create(WatchServicesResponseSchema, { snapshot: true, services: m.services });
        let seen = m.services;
        while (!ctx.signal.aborted) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              m.changed.delete(wake);
              ctx.signal.removeEventListener("abort", wake);
              resolve();
            };
            m.changed.add(wake);
            ctx.signal.addEventListener("abort", wake);
          });
          if (ctx.signal.aborted) return;
          const changed = m.services.filter((s, k) => s !== seen[k]);
          seen = m.services;
          yield create(WatchServicesResponseSchema, { snapshot: false, services: changed });
        }
      },
    });

  const listen = (m: Machine) =>
    new Promise<void>((resolve, reject) => {
      rmSync(m.socketPath, { force: true });
      m.server.once("error", reject);
      m.server.listen(m.socketPath, () => {
        m.server.off("error", reject);
        resolve();
      });
    });

  const makeServer = (m: Machine) => {
    const server = http2.createServer(connectNodeAdapter({ routes: routes(m), interceptors: [bearer] }));
    server.on("session", (s: http2.ServerHttp2Session) => {
      m.sessions.add(s);
      s.on("close", () => m.sessions.delete(s));
    });
    return server;
  };

  const machines: Machine[] = [];
  const now = Date.now();
  for (let i = 0; i < o.count; i++) {
    const m: Machine = {
      index: i,
      socketPath: join(o.dir, `m${i}.sock`),
      server: undefined as unknown as http2.Http2Server,
      sessions: new Set(),
      services: SERVICE_NAMES.map((n) => service(n, ServiceState.RUNNING, now)),
      changed: new Set(),
      versions: 1,
    };
    m.server = makeServer(m);
    await listen(m);
    machines.push(m);
  }

  const at = (i: number) => {
    const m = machines[i];
    if (!m) throw new Error(`no simulated machine ${i}`);
    return m;
  };
  const closeServer = (m: Machine) =>
    new Promise<void>((resolve) => {
      for (const s of m.sessions) s.destroy();
      m.server.close(() => resolve());
    });

  return {
    socketPath: (i) => at(i).socketPath,
    setFailed(i, failed) {
      const m = at(i);
      m.services = m.services.map((s) => (s.name === "web" ? service("web", failed ? ServiceState.FAILED : ServiceState.RUNNING, Date.now()) : s));
      for (const wake of [...m.changed]) wake();
    },
    async down(i) {
      await closeServer(at(i));
    },
    async up(i) {
      const m = at(i);
      m.server = makeServer(m);
      await listen(m);
    },
    async close() {
      clearInterval(clock);
      for (const t of [...tickers]) t();
      await Promise.all(machines.map(closeServer));
    },
  };
}

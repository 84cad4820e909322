import "server-only";
// The agent's protobuf answers → the plain facts the fleet monitor keeps per machine. Only what
// the fleet shows is kept (no per-core CPU; of the disks only each filesystem's use, capped),
// so a machine costs the console a fixed amount however much its agent reports. Disks and
// per-service usage are kept for alert rules; the fleet card shows the fullest filesystem.
import { deviceTotals, fullestFilesystem } from "@sysward/contract";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ServiceState, type AgentInfoResponse, type PerfSample, type Service } from "@sysward/proto";
import { MAX_PERF_DISKS, type MachineInfo, type MachinePerf, type MachineService, type ServiceStateName } from "../../shared/fleet-types";
import { phaseName } from "../upload/install-report";

const STATES = new Set<ServiceStateName>(["running", "stopped", "failed", "starting", "backoff"]);

function stateName(state: ServiceState): ServiceStateName {
  const name = ServiceState[state]?.toLowerCase() as ServiceStateName | undefined;
  return name && STATES.has(name) ? name : "unknown";
}

export function serviceFacts(s: Service): MachineService {
  return {
    name: s.name,
    state: stateName(s.state),
    version: s.version?.id ?? "",
    since: s.since ? timestampMs(s.since) : null,
    restarts: s.restarts,
    detail: s.stateDetail.slice(0, 500),
    phase: phaseName(s.phase) ?? "",
    enabled: s.enabled,
  };
}

export function infoFacts(i: AgentInfoResponse): MachineInfo {
  return {
    hostname: i.hostname,
    os: i.os,
    osRelease: i.osRelease,
    kernel: i.kernel,
    arch: i.arch,
    cpuModel: i.cpuModel,
    cpuCount: i.cpuCount,
    memoryTotalBytes: Number(i.memoryTotalBytes),
    agentVersion: i.agentVersion,
    runtime: i.runtime,
    sandboxed: i.isolation?.sandboxed ?? false,
    isolationDetail: i.isolation?.detail ?? "",
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function perfFacts(s: PerfSample): MachinePerf {
  return {
    t: s.time ? timestampMs(s.time) : Date.now(),
    cpuPercent: round1(s.cpu?.busyPercent ?? 0),
    memPercent: round1(s.memory?.usedPercent ?? 0),
    memUsedBytes: Number(s.memory?.usedBytes ?? 0n),
    memTotalBytes: Number(s.memory?.totalBytes ?? 0n),
    load1: Math.round((s.load?.one ?? 0) * 100) / 100,
    disk: fullestDisk(s),
    disks: s.filesystems.slice(0, MAX_PERF_DISKS).map((f) => ({ mount: f.mountPoint, usedPercent: f.sizeBytes > 0n ? round1((Number(f.usedBytes) / Number(f.sizeBytes)) * 100) : 0 })),
    services: s.services.map((p) => ({ name: p.name, cpuPercent: round1(p.cpuPercent), rssBytes: Number(p.rssBytes) })),
  };
}

function fullestDisk(s: PerfSample): MachinePerf["disk"] {
  const f = fullestFilesystem(deviceTotals(s));
  return f ? { mountPoint: f.mountPoint, usedPercent: round1(f.usedPercent) } : null;
}

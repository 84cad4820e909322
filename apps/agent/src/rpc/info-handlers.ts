import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { AgentInfoResponseSchema, DiskSchema, IsolationSchema, RuntimeCapabilitiesSchema, type AgentService } from "@sysward/proto";
import os from "node:os";
import { readDisks, type MachineInventory } from "../inventory/machine-inventory";
import type { RuntimeIsolation } from "../runtime/isolation";
import type { RuntimeCapabilities, RuntimeName } from "../runtime/runtime";

export interface InfoDeps {
  inventory: MachineInventory;
  agentVersion: string;
  startedAt: Date;
  perfIntervalMs: number;
  runtime: { name: RuntimeName; reason: string; capabilities: RuntimeCapabilities; isolation: RuntimeIsolation };
}

export function infoHandlers(deps: InfoDeps): Pick<ServiceImpl<typeof AgentService>, "agentInfo"> {
  return {
    agentInfo() {
      const inv = deps.inventory;
      return create(AgentInfoResponseSchema, {
        hostname: inv.hostname,
        os: inv.os,
        osRelease: inv.osRelease,
        kernel: inv.kernel,
        arch: inv.arch,
        cpuModel: inv.cpuModel,
        cpuCount: inv.cpuCount,
        memoryTotalBytes: inv.memoryTotalBytes,
        disks: readDisks().map((d) => create(DiskSchema, d)),
        agentVersion: deps.agentVersion,
        agentStarted: timestampFromDate(deps.startedAt),
        agentUptimeSeconds: BigInt(Math.floor((Date.now() - deps.startedAt.getTime()) / 1000)),
        runtime: deps.runtime.name,
        runtimeReason: deps.runtime.reason,
        capabilities: create(RuntimeCapabilitiesSchema, deps.runtime.capabilities),
        isolation: create(IsolationSchema, deps.runtime.isolation),
        perfIntervalMs: deps.perfIntervalMs,
        machineUptimeSeconds: BigInt(Math.floor(os.uptime())),
      });
    },
  };
}

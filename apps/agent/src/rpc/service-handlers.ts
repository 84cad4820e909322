// ListServices, GetService, WatchServices, Remove, Start/Stop/RestartService and Rollback: proto in, domain
// call on the ServiceManager, proto out. Also the one mapping from a ServiceView to the proto
// Service message (install-handlers.ts uses it too).
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  AgentService,
  GetServiceResponseSchema,
  InstallPhase,
  ListServicesResponseSchema,
  RemoveResponseSchema,
  RestartServiceResponseSchema,
  RollbackResponseSchema,
  ServiceSchema,
  ServiceState,
  ServiceVersionSchema,
  StartServiceResponseSchema,
  StopServiceResponseSchema,
  type Service,
  type ServiceVersion,
  WatchServicesResponseSchema,
} from "@sysward/proto";
import type { ServiceManager } from "../install/service-manager";
import type { InstallPhaseName } from "../install/install-steps";
import type { ServiceView, VersionInfo } from "../install/service-types";
import type { ServiceRunState } from "../runtime/runtime";
import type { ServiceWatchers } from "../service-watch/service-watchers";

/** Latest CPU and memory of one service, from the perf collector's cached sample. */
export type ServicePerfLookup = (name: string) => { cpuPercent: number; rssBytes: bigint | number } | undefined;

export interface ServiceHandlerDeps {
  services: ServiceManager;
  servicePerf?: ServicePerfLookup;
  /** WatchServices answers Unimplemented without it. */
  watchers?: ServiceWatchers;
}

type ServiceMethods =
  | "listServices"
  | "getService"
  | "remove"
  | "startService"
  | "stopService"
  | "restartService"
  | "rollback"
  | "watchServices";

export function serviceHandlers(deps: ServiceHandlerDeps): Pick<ServiceImpl<typeof AgentService>, ServiceMethods> {
  const { services } = deps;
  const toProto = (v: ServiceView) => toServiceMessage(v, deps.servicePerf);
  return {
    async listServices() {
      return create(ListServicesResponseSchema, { services: (await services.list()).map(toProto) });
    },
    async getService(req) {
      return create(GetServiceResponseSchema, { service: toProto(await services.get(req.name)) });
    },
    async remove(req) {
      await services.remove(req.name);
      return create(RemoveResponseSchema, {});
    },
    async startService(req) {
      return create(StartServiceResponseSchema, { service: toProto(await services.start(req.name)) });
    },
    async stopService(req) {
      return create(StopServiceResponseSchema, { service: toProto(await services.stop(req.name)) });
    },
    async restartService(req) {
      return create(RestartServiceResponseSchema, { service: toProto(await services.restart(req.name)) });
    },
    async rollback(req) {
      const res = await services.rollback(req.name, req.version || undefined);
      return create(RollbackResponseSchema, { service: toProto(res.service), previousVersion: res.previousVersion ?? "" });
    },
    async *watchServices(_req, ctx) {
      if (!deps.watchers) throw new ConnectError("this agent does not watch its services", Code.Unimplemented);
      for await (const c of deps.watchers.watch(ctx.signal)) {
        yield create(WatchServicesResponseSchema, { snapshot: c.snapshot, services: c.services.map(toProto), removed: c.removed, coalesced: BigInt(c.coalesced) });
      }
    },
  };
}

const STATES: Record<ServiceRunState, ServiceState> = {
  starting: ServiceState.STARTING,
  running: ServiceState.RUNNING,
  backoff: ServiceState.BACKOFF,
  stopped: ServiceState.STOPPED,
  failed: ServiceState.FAILED,
};

const PHASES: Record<InstallPhaseName, InstallPhase> = {
  receiving: InstallPhase.RECEIVING,
  verifying: InstallPhase.VERIFYING,
  starting: InstallPhase.STARTING,
  health: InstallPhase.HEALTH,
  running: InstallPhase.RUNNING,
  "rolled-back": InstallPhase.ROLLED_BACK,
  failed: InstallPhase.FAILED,
};

export function toServiceMessage(v: ServiceView, perf?: ServicePerfLookup): Service {
  const usage = v.pids.length > 0 ? perf?.(v.name) : undefined;
  return create(ServiceSchema, {
    name: v.name,
    state: STATES[v.state],
    version: v.version && toVersionMessage(v.version),
    pids: v.pids,
    since: v.since && timestampFromDate(v.since),
    restarts: v.restarts,
    runtime: v.runtime,
    cpuPercent: usage?.cpuPercent ?? 0,
    rssBytes: BigInt(usage?.rssBytes ?? 0),
    phase: v.phase ? PHASES[v.phase] : InstallPhase.UNSPECIFIED,
    phaseDetail: v.phaseDetail,
    stateDetail: v.stateDetail,
    keptVersions: v.keptVersions.map(toVersionMessage),
    lastExitCode: v.lastExit?.code ?? 0,
    lastExitSignal: v.lastExit?.signal ?? "",
    enabled: v.enabled,
  });
}

function toVersionMessage(v: VersionInfo): ServiceVersion {
  return create(ServiceVersionSchema, {
    id: v.id,
    sha256: v.sha256,
    installed: timestampFromDate(v.installedAt),
    sizeBytes: BigInt(v.sizeBytes),
  });
}

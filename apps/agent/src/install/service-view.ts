// What a caller sees of one service: the record, the install in progress, the runtime's status.
import type { Runtime } from "../runtime/runtime";
import type { InstallPhaseName } from "./install-steps";
import type { ServiceRecord, VersionRecord } from "./service-record";
import type { ServiceView, VersionInfo } from "./service-types";

/** Where an install or rollback of a service stands, for people watching it. */
export interface Progress {
  phase: InstallPhaseName;
  detail: string;
  since: Date;
}

export async function serviceView(name: string, rec: ServiceRecord | undefined, p: Progress | undefined, runtime: Runtime): Promise<ServiceView> {
  const status = await runtime.inspect(name);
  const versions = rec?.versions.map(toVersionInfo) ?? [];
  return {
    name,
    state: status?.state ?? "stopped",
    version: versions.find((v) => v.id === rec?.current),
    keptVersions: versions,
    pids: status?.pids ?? [],
    since: status?.since,
    restarts: status?.restarts ?? 0,
    runtime: runtime.name,
    phase: p?.phase,
    phaseDetail: p?.detail ?? "",
    stateDetail: status?.reason ?? "",
    lastExit: status?.lastExit,
    enabled: rec?.desired === "running",
  };
}

function toVersionInfo(v: VersionRecord): VersionInfo {
  return { id: v.id, sha256: v.sha256, installedAt: new Date(v.installedAt), sizeBytes: v.sizeBytes };
}

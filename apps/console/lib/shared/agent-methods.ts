// Which AgentService methods a role may call through the console. The table is typed against the
// generated service so a method added to the proto fails the typecheck until someone classifies it.
import { AgentService } from "@sysward/proto";

type MethodLocalName = keyof typeof AgentService.method;

export type MethodAccess = "read" | "write";

const ACCESS: Record<MethodLocalName, MethodAccess> = {
  agentInfo: "read",
  systemPerf: "read",
  watchPerf: "read",
  perfHistory: "read",
  listServices: "read",
  getService: "read",
  watchServices: "read",
  logs: "read",
  install: "write",
  remove: "write",
  startService: "write",
  stopService: "write",
  restartService: "write",
  rollback: "write",
};

export interface AgentMethodInfo {
  /** Proto name, as in the URL: "WatchPerf". */
  name: string;
  /** Generated client's name: "watchPerf". */
  localName: MethodLocalName;
  access: MethodAccess;
}

const BY_PROTO_NAME = new Map<string, AgentMethodInfo>(
  AgentService.methods.map((m) => [
    m.name,
    { name: m.name, localName: m.localName as MethodLocalName, access: ACCESS[m.localName as MethodLocalName] },
  ]),
);

export const AGENT_SERVICE_NAME = AgentService.typeName;

/** Looks a method up by its proto name ("StopService"); undefined when the agent has no such method. */
export function agentMethod(protoName: string): AgentMethodInfo | undefined {
  return BY_PROTO_NAME.get(protoName);
}

export function allAgentMethods(): AgentMethodInfo[] {
  return [...BY_PROTO_NAME.values()];
}


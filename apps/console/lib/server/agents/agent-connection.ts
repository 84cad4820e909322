import "server-only";
// One HTTP/2 connection per agent, shared by the raw RPC forwarder and the typed connect-node
// client. connect-node's Http2SessionManager opens it lazily, reconnects after the agent
// restarts or the socket goes away, and closes it when idle.
import { Code, ConnectError } from "@connectrpc/connect";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { getConfig } from "../config";
import { http2TargetFor, parseAgentAddress } from "./agent-address";
import { bearerTokenSource } from "./agent-credential";
import { GuardedSessionManager } from "./guarded-session-manager";
import type { AgentRecord } from "./registry";

export interface AgentConnection {
  agentId: string;
  /** The origin requests are made against ("http://localhost" for a socket). */
  baseUrl: string;
  sessions: Http2SessionManager;
  /** The agent's current bearer token. */
  bearer(): string;
}

interface Entry {
  fingerprint: string;
  connection: AgentConnection;
}

const KEY = Symbol.for("sysward.console.agentConnections");
type Holder = { [KEY]?: Map<string, Entry> };

function connections(): Map<string, Entry> {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= new Map());
}

export function agentConnection(agent: AgentRecord): AgentConnection {
  const fingerprint = `${agent.address}\n${JSON.stringify(agent.credential)}`;
  const map = connections();
  const existing = map.get(agent.id);
  if (existing && existing.fingerprint === fingerprint) return existing.connection;
  existing?.connection.sessions.abort();
  let target;
  try {
    target = http2TargetFor(agent.id, parseAgentAddress(agent.address), agent.credential);
  } catch (err) {
    // Unreadable certificate files, a credential that does not fit the address: the agent's
    // registration needs fixing before anything can reach it.
    throw ConnectError.from(err, Code.FailedPrecondition);
  }
  const ping = getConfig().agentPingMs;
  const connection: AgentConnection = {
    agentId: agent.id,
    baseUrl: target.url,
    // Pings after SYSWARD_AGENT_PING_MS without a byte, answered within as long again: a
    // connection to an agent that vanished without closing it (a dead or frozen machine) fails
    // its open calls — the fleet monitor's streams among them, so the machine is marked down —
    // within twice that (4 s by default) instead of hanging, and a new one is opened.
    sessions: new GuardedSessionManager(target.url, { idleConnectionTimeoutMs: 5 * 60_000, pingIntervalMs: ping, pingTimeoutMs: ping }, target.options),
    bearer: bearerTokenSource(agent.credential),
  };
  map.set(agent.id, { fingerprint, connection });
  return connection;
}

/** Drops one agent's connection (the agent was removed or re-registered). */
export function forgetAgentConnection(agentId: string): void {
  const map = connections();
  map.get(agentId)?.connection.sessions.abort();
  map.delete(agentId);
}

/** Closes every agent connection (tests, shutdown). */
export function closeAgentConnections(): void {
  const map = connections();
  for (const { connection } of map.values()) connection.sessions.abort();
  map.clear();
}

import "server-only";
// The agents this console manages, kept in the console DB (id, name, address, credential).
// The local agent (SYSWARD_DATA_DIR's socket and token file) is registered as "local" on first use.
import type { AgentSummary } from "../../shared/types";
import { getConfig } from "../config";
import { getDb } from "../db/database";
import { prepared } from "../db/prepared";
import { HttpError } from "../http-errors";
import { parseAgentAddress, unixAddress } from "./agent-address";
import { credentialFromStore, parseCredential, storedCredential, type AgentCredential } from "./agent-credential";
import { registryChanged } from "./registry-changes";

export const LOCAL_AGENT_ID = "local";
export const AGENT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** "Web server 1" → "web-server-1". */
export function agentIdFromName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
}

export interface AgentRecord extends AgentSummary {
  credential: AgentCredential;
}

interface Row {
  id: string;
  name: string;
  address: string;
  credential: string;
}

const KEY = Symbol.for("sysward.console.localAgentRegistered");
type Holder = { [KEY]?: string };

/** Registers (or re-points) the local agent at the configured data dir; once per process. */
function ensureLocalAgent(): void {
  const holder = globalThis as Holder;
  const c = getConfig();
  if (holder[KEY] === c.localAgentDataDir) return;
  getDb()
    .prepare(
      `INSERT INTO agents (id, name, address, credential, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET address = excluded.address, credential = excluded.credential`,
    )
    .run(LOCAL_AGENT_ID, "This machine", unixAddress(c.localAgentSocketPath), storedCredential({ kind: "token-file", path: c.localAgentTokenPath }), Date.now());
  sealPlainCredentials();
  holder[KEY] = c.localAgentDataDir;
  registryChanged();
}

/** Credentials a console before sealing wrote in plain JSON are sealed now, once. */
function sealPlainCredentials(): void {
  const db = getDb();
  const rows = db.prepare("SELECT id, credential FROM agents WHERE credential NOT LIKE 'sealed:%'").all() as { id: string; credential: string }[];
  for (const row of rows) {
    const sealed = storedCredential(parseCredential(row.credential));
    if (sealed !== row.credential) db.prepare("UPDATE agents SET credential = ? WHERE id = ? AND credential = ?").run(sealed, row.id, row.credential);
  }
}

const toSummary = (r: Row): AgentSummary => ({ id: r.id, name: r.name, address: r.address });

export async function listAgents(): Promise<AgentSummary[]> {
  ensureLocalAgent();
  const rows = getDb().prepare("SELECT id, name, address, credential FROM agents ORDER BY id = 'local' DESC, name, id").all() as Row[];
  return rows.map(toSummary);
}

export async function getAgent(id: string): Promise<AgentSummary | null> {
  const record = getAgentRecord(id);
  return record ? { id: record.id, name: record.name, address: record.address } : null;
}

/** Every agent with its credential: for the fleet monitor, which talks to all of them. */
export function listAgentRecords(): AgentRecord[] {
  ensureLocalAgent();
  const rows = getDb().prepare("SELECT id, name, address, credential FROM agents ORDER BY id").all() as Row[];
  return rows.map((row) => ({ ...toSummary(row), credential: credentialFromStore(row.credential) }));
}

/** With the credential: for server code that talks to the agent. */
export function getAgentRecord(id: string): AgentRecord | null {
  ensureLocalAgent();
  // Behind every proxied request: one compiled statement.
  const row = prepared(getDb(), "SELECT id, name, address, credential FROM agents WHERE id = ?").get(id) as Row | undefined;
  return row ? { ...toSummary(row), credential: credentialFromStore(row.credential) } : null;
}

/** The same place, however it is written: https origins compared as URLs normalise them (case, IPv6, default port). */
function addressKey(address: string): string {
  const a = parseAgentAddress(address);
  if (a.kind === "ssh") return `ssh:${a.target.host}:${a.target.port}${a.socketPath}`;
  return a.kind === "unix" ? `unix:${a.socketPath}` : a.url.origin;
}

/** The agent registered at this address, if any. */
function agentAtAddress(address: string): AgentSummary | null {
  ensureLocalAgent();
  const key = addressKey(address);
  const rows = getDb().prepare("SELECT id, name, address, credential FROM agents").all() as Row[];
  const row = rows.find((r) => {
    try {
      return addressKey(r.address) === key;
    } catch {
      return false;
    }
  });
  return row ? toSummary(row) : null;
}

/** 409 when another agent is registered at this address. */
export function alreadyAtAddress(address: string): HttpError | null {
  const other = agentAtAddress(address);
  return other ? new HttpError(409, `${address} is already registered as agent ${JSON.stringify(other.id)} (${other.name}); remove that agent first, or enrol with another address`) : null;
}

/**
 * uniqueAddress (enrolment): refuse an address another agent has, checked in the same
 * transaction as the insert so two enrolments cannot both take it.
 */
export function registerAgent(input: { id: string; name: string; address: string; credential: unknown }, opts: { uniqueAddress?: boolean } = {}): AgentSummary {
  if (!AGENT_ID.test(input.id)) throw new HttpError(400, "agent ids are 1–63 characters: lowercase letters, digits and '-', starting with a letter or digit");
  if (input.id === LOCAL_AGENT_ID) throw new HttpError(409, `"${LOCAL_AGENT_ID}" is the local agent and is registered automatically`);
  if (input.name.trim() === "" || input.name.length > 100) throw new HttpError(400, "agent names need 1–100 characters");
  let credential: AgentCredential;
  try {
    const address = parseAgentAddress(input.address);
    credential = parseCredential(input.credential);
    if (address.kind === "https" && credential.kind !== "mtls") throw new Error('an https agent needs an "mtls" credential');
    if (address.kind === "ssh" && credential.kind !== "token") throw new Error('an agent over SSH needs a "token" credential');
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  const db = getDb();
  try {
    db.transaction(() => {
      const taken = opts.uniqueAddress ? alreadyAtAddress(input.address) : null;
      if (taken) throw taken;
      db.prepare("INSERT INTO agents (id, name, address, credential, created_at) VALUES (?, ?, ?, ?, ?)").run(input.id, input.name.trim(), input.address, storedCredential(credential), Date.now());
    })();
  } catch (err) {
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new HttpError(409, `an agent with id ${JSON.stringify(input.id)} already exists`);
    throw err;
  }
  registryChanged();
  return { id: input.id, name: input.name.trim(), address: input.address };
}

export function deleteAgent(id: string): AgentSummary {
  if (id === LOCAL_AGENT_ID) throw new HttpError(409, "the local agent is registered from SYSWARD_DATA_DIR and cannot be removed");
  const agent = getAgentRecord(id);
  if (!agent) throw new HttpError(404, `no agent with id ${JSON.stringify(id)}`);
  getDb().prepare("DELETE FROM agents WHERE id = ?").run(id);
  registryChanged();
  return { id: agent.id, name: agent.name, address: agent.address };
}

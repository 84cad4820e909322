import "server-only";
// Adding a machine by SSH (`user@host[:port]`) instead of enrollment: first contact shows the
// host key's fingerprint for the admin to confirm (or checks the one given), then the console
// logs in with its own key, reads the agent's token once and registers the agent at
// ssh://user@host:port/<data dir>/agent.sock with the token sealed like every other credential.
import { getConfig } from "../../config";
import { HttpError } from "../../http-errors";
import { parseAgentAddress, sshAddress } from "../agent-address";
import { alreadyAtAddress, listAgents, registerAgent } from "../registry";
import type { AgentSummary } from "../../../shared/types";
import { consoleSshKey } from "./console-ssh-key";
import { changedHostKeyMessage, normalizeFingerprint, pinHostKey, pinnedHostKey, unpinHostKey, type HostKey } from "./known-hosts";
import { closeSshLink } from "./machine-links";
import { SshLink, SshLinkError, sshHostId, type SshTarget } from "./ssh-link";

export interface AddSshMachine {
  id: string;
  name: string;
  /** user@host[:port] */
  ssh: string;
  /** The agent's data dir on the machine (default: the user's, ~/.local/share/sysward; for root without one, /var/lib/sysward). */
  dataDir?: string;
  /** The host key's fingerprint as the admin confirmed it (first contact). */
  hostKeyFingerprint?: string;
  /** The agent's token, when the admin gives it rather than have the console read it. */
  token?: string;
}

export type AddSshResult = { confirm: { host: string; hostKey: HostKey } } | { agent: AgentSummary };

const TARGET = /^([A-Za-z0-9._][A-Za-z0-9._-]*)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

export function parseSshTarget(value: string): SshTarget {
  const m = TARGET.exec(value.trim());
  const port = Number(m?.[3] ?? 22);
  if (!m || port < 1 || port > 65535) throw new HttpError(400, `${JSON.stringify(value)}: an SSH address is user@host or user@host:port`);
  return { user: m[1]!, host: m[2]!.replace(/^\[(.*)\]$/, "$1"), port };
}

/** A shell word: the data dir goes into a command line. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function addSshMachine(input: AddSshMachine): Promise<AddSshResult> {
  const target = parseSshTarget(input.ssh);
  if (input.dataDir !== undefined && !input.dataDir.startsWith("/")) throw new HttpError(400, "the agent's data dir is an absolute path on the machine");
  const host = sshHostId(target);
  const pinned = pinnedHostKey(host);
  const confirmed = input.hostKeyFingerprint ? normalizeFingerprint(input.hostKeyFingerprint) : undefined;
  let presented: HostKey | undefined;
  const link = new SshLink(target, {
    privateKey: consoleSshKey().privateKey,
    timeoutMs: getConfig().sshTimeoutMs,
    checkHostKey(key) {
      presented = key;
      if (pinned) return pinned.fingerprint === key.fingerprint ? null : changedHostKeyMessage(host, pinned, key);
      if (!confirmed) return "confirm";
      return confirmed === key.fingerprint ? null : `the SSH host key of ${host} is ${key.keyType} ${key.fingerprint}, not ${confirmed} as given: refused (check the fingerprint on the machine: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)`;
    },
  });
  try {
    try {
      await link.connection();
    } catch (err) {
      if (!pinned && !confirmed && presented && err instanceof SshLinkError && err.failure === "host-key") return { confirm: { host, hostKey: presented } };
      throw toHttpError(err);
    }
    // One command: where the data dir is (the default is relative to the user's home) and the token.
    // Unless given: the user's agent, or for root without one the system agent install.sh sets up.
    const dir = input.dataDir ? quote(input.dataDir) : '"${XDG_DATA_HOME:-$HOME/.local/share}/sysward"; [ -e "$d/agent.token" ] || [ "$(id -u)" != 0 ] || d=/var/lib/sysward';
    const r = await link.exec(`d=${dir}; printf '%s\\n' "$d"; ${input.token ? "" : 'exec cat "$d/agent.token"'}`).catch((err: unknown) => Promise.reject(toHttpError(err)));
    const [dataDir = "", ...rest] = r.stdout.split("\n");
    const token = input.token?.trim() || rest.join("\n").trim();
    if (r.code !== 0 || !dataDir.startsWith("/") || !token) {
      throw new HttpError(400, `could not read the agent's token at ${dataDir || "its data dir"}/agent.token on ${target.user}@${host}: ${r.stderr.trim() || "empty"} (is the agent installed and started for ${target.user}? give its data dir if it runs as another user)`);
    }
    const address = sshAddress(target, `${dataDir}/agent.sock`);
    const taken = alreadyAtAddress(address);
    if (taken) throw taken;
    const agent = registerAgent({ id: input.id, name: input.name, address, credential: { kind: "token", token } }, { uniqueAddress: true });
    if (!pinned && presented) pinHostKey(host, presented);
    return { agent };
  } finally {
    link.close();
  }
}

function toHttpError(err: unknown): unknown {
  if (!(err instanceof SshLinkError)) return err;
  return new HttpError(err.failure === "timeout" || err.failure === "unreachable" ? 502 : 400, err.message, { reason: err.failure });
}

/** After an agent was removed: its machine's SSH connection closes, and the host key pin goes with its last agent. */
export async function forgetSshMachine(address: string): Promise<void> {
  const a = parseAgentAddress(address);
  if (a.kind !== "ssh") return;
  closeSshLink(a.target);
  const host = sshHostId(a.target);
  const others = (await listAgents()).some((other) => {
    try {
      const o = parseAgentAddress(other.address);
      return o.kind === "ssh" && sshHostId(o.target) === host;
    } catch {
      return false;
    }
  });
  if (!others) unpinHostKey(host);
}

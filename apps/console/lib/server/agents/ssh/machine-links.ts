import "server-only";
// The SSH connection of each machine added by SSH: one per user@host:port, shared by every agent
// connection to it and kept across requests (on globalThis: Next loads modules in several bundles).
import { getConfig } from "../../config";
import { consoleSshKey } from "./console-ssh-key";
import { changedHostKeyMessage, pinnedHostKey } from "./known-hosts";
import { SshLink, sshHostId, type SshTarget } from "./ssh-link";

const KEY = Symbol.for("sysward.console.sshLinks");
type Holder = { [KEY]?: Map<string, SshLink> };

function links(): Map<string, SshLink> {
  return ((globalThis as Holder)[KEY] ??= new Map());
}

const linkKey = (t: SshTarget) => `${t.user}@${sshHostId(t)}`;

/** The machine's SSH connection, accepting only the host key pinned for it. */
export function sshLinkFor(target: SshTarget): SshLink {
  const key = linkKey(target);
  let link = links().get(key);
  if (!link) {
    const host = sshHostId(target);
    link = new SshLink(target, {
      privateKey: consoleSshKey().privateKey,
      timeoutMs: getConfig().sshTimeoutMs,
      // Read on each connect: a pin made after this link was created counts.
      checkHostKey(presented) {
        const pinned = pinnedHostKey(host);
        if (!pinned) return `no SSH host key is pinned for ${host}: add the machine again and confirm its fingerprint`;
        return pinned.fingerprint === presented.fingerprint ? null : changedHostKeyMessage(host, pinned, presented);
      },
    });
    links().set(key, link);
  }
  return link;
}

export function closeSshLink(target: SshTarget): void {
  const key = linkKey(target);
  links().get(key)?.close();
  links().delete(key);
}

export function closeSshLinks(): void {
  for (const link of links().values()) link.close();
  links().clear();
}

import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { dirname, join, relative, isAbsolute } from "node:path";
import type { ServiceSpec } from "../runtime";
import { SERVICE_PATH } from "../service-env";

// Optional bubblewrap sandbox for supervised services: the host read-only, a private /tmp,
// the version directory read-only, the service's state dir writable, no capabilities.
// bwrap sets NO_NEW_PRIVS itself. No pid namespace (our pid and process-group bookkeeping
// must see the real pids) and no --die-with-parent (services outlive an agent crash).

export type SandboxMode = "auto" | "off";

export interface SandboxChoice {
  /** Path of bwrap when services are sandboxed. */
  bwrap?: string;
  reason: string;
}

function findExecutable(name: string, path = SERVICE_PATH): string | undefined {
  for (const dir of path.split(":")) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const probed = new Map<string, string | undefined>();

/** Runs bwrap once with the options we use; undefined when it works, else why not. Cached per path. */
function probe(bwrap: string): string | undefined {
  if (!probed.has(bwrap)) {
    const r = spawnSync(bwrap, [...baseArgs(), "--", "/bin/true"], { timeout: 5_000, encoding: "utf8" });
    probed.set(bwrap, r.status === 0 ? undefined : (r.stderr || r.error?.message || `exit ${r.status}`).trim());
  }
  return probed.get(bwrap);
}

export function chooseSandbox(mode: SandboxMode): SandboxChoice {
  if (mode === "off") return { reason: "sandbox turned off by configuration" };
  const bwrap = findExecutable("bwrap");
  if (!bwrap) return { reason: "bubblewrap (bwrap) is not installed: services run unsandboxed" };
  const failure = probe(bwrap);
  if (failure) return { reason: `bubblewrap at ${bwrap} does not work here (${failure}): services run unsandboxed` };
  return { bwrap, reason: `services sandboxed with bubblewrap (${bwrap})` };
}

function baseArgs(): string[] {
  return ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-ipc", "--unshare-uts", "--cap-drop", "ALL"];
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The bwrap command line that runs `spec` sandboxed (binds come after the /tmp tmpfs so /tmp paths stay visible). */
export function sandboxArgs(spec: ServiceSpec): string[] {
  const args = [...baseArgs(), "--ro-bind", spec.workDir, spec.workDir];
  const execDir = dirname(spec.exec);
  if (!isInside(execDir, spec.workDir)) args.push("--ro-bind", execDir, execDir);
  args.push("--bind", spec.stateDir, spec.stateDir, "--chdir", spec.workDir, "--", spec.exec, ...spec.args);
  return args;
}

import { DomainError } from "../domain-error";

// What a runtime promises about the walls around each service, and the operator's policy for
// when it cannot build them (SYSWARD_SANDBOX). Closed by default: "required" refuses to run a
// service unsandboxed; "off" must be asked for by name and is shown as "not sandboxed" everywhere.

export type SandboxPolicy = "required" | "auto" | "off";
export const SANDBOX_POLICIES: readonly SandboxPolicy[] = ["required", "auto", "off"];

export interface RuntimeIsolation {
  policy: SandboxPolicy;
  /** Services run in a sandbox: the system read-only, the agent's and console's data out of sight. */
  sandboxed: boolean;
  /** Each service runs under a uid of its own (an agent running as root). */
  separateUsers: boolean;
  /** What the sandbox is, or why there is none, in words a person can act on. */
  detail: string;
}

/** The unprivileged identity a service runs as when the agent runs as root. */
export interface ServiceUser {
  uid: number;
  gid: number;
}

/** The runtime may start services only if its sandbox works, unless the policy lets it go without. */
export function assertMayStart(isolation: RuntimeIsolation, name: string): void {
  if (isolation.policy === "required" && !isolation.sandboxed) {
    throw new DomainError(
      `${name}: services must run sandboxed (SYSWARD_SANDBOX=required) but ${isolation.detail}. ` +
        `Fix that, or start the agent with SYSWARD_SANDBOX=off to run services without a sandbox (shown as "not sandboxed")`,
      "failed-precondition",
    );
  }
}

/** One line for people: "sandboxed (…)" or "NOT SANDBOXED (…)". */
export function describeIsolation(isolation: RuntimeIsolation): string {
  return isolation.sandboxed ? `sandboxed: ${isolation.detail}` : `NOT SANDBOXED: ${isolation.detail}`;
}

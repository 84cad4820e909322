// The one command an admin pastes on a new machine (Add machine), and the same without enrolling
// for a machine that has the agent already (an upgrade). install.sh is served by this console
// (download-routes.ts); it downloads the artifact, checks its sha256, installs and enrols.
//
// Over https the TLS connection vouches for install.sh and for the sha256 it fetches, so the
// command names neither: run again, it installs whatever the console serves then (an upgrade).
// Over plain http nothing vouches for what arrives, so the command carries both hashes: the
// script is saved and checked before it runs, and it checks the artifact against the pinned one.
import type { AgentArtifact } from "./agent-artifact";

/** How the agent is started on a machine with a Sysward checkout (see the root README). */
export const CHECKOUT_AGENT_COMMAND = "node apps/agent/dist/agent.mjs";

export interface Enrolling {
  token: string;
  caSha256: string;
  /** host:port for --listen; unset: install.sh picks this host's address toward the console, port 7443. */
  listen?: string;
}

const SAFE_WORD = /^[A-Za-z0-9_.,:/@%+=-]+$/;

/** A word for sh: as is when it holds nothing sh would read specially, else single-quoted. */
export function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `curl … install.sh | sh -s -- --console URL …`: installs the artifact and, with `enrolling`, enrols. */
export function installCommand(consoleUrl: string, artifact: Pick<AgentArtifact, "version" | "sha256" | "installScriptSha256">, enrolling?: Enrolling): string {
  const origin = new URL(consoleUrl).origin;
  const https = origin.startsWith("https:");
  const args = ["--console", origin];
  if (!https) args.push("--version", artifact.version, "--sha256", artifact.sha256);
  if (enrolling) {
    args.push("--token", enrolling.token, "--ca-sha256", enrolling.caSha256);
    if (enrolling.listen) args.push("--listen", enrolling.listen);
    // The agent refuses to enrol over plain http unless told so by name: the command says it openly.
    if (!https) args.push("--insecure-http");
  }
  const script = `${origin}/install.sh`;
  const rest = args.map(shellWord).join(" ");
  if (https) return `curl -fsSL ${script} | sh -s -- ${rest}`;
  return `f=$(mktemp) && curl -fsSLo "$f" ${script} && echo "${artifact.installScriptSha256}  $f" | sha256sum -c --quiet && sh "$f" ${rest}`;
}

/** `node apps/agent/dist/agent.mjs enroll …`: for an agent that runs already (a checkout, or installed by hand). */
export function checkoutEnrollCommand(consoleUrl: string, enrolling: Enrolling): string {
  return `${CHECKOUT_AGENT_COMMAND} enroll ${consoleUrl} ${enrolling.token} --listen ${enrolling.listen ?? "<address-of-this-machine>:7443"} --ca-sha256 ${enrolling.caSha256}`;
}

import "server-only";
// One host's part of a rollout, over the agent's own RPCs: the Install (the agent runs the
// health window and, when the new version fails it, puts the previous one back and says why),
// the reconciliation of an install whose outcome the console did not see (it was restarted),
// and the revert to the version the host ran before.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { InstallHeaderSchema, InstallPhase, type Service } from "@sysward/proto";
import type { AgentClient } from "../agents/agent-client";
import { installMessages, type ByteCounter } from "../upload/install-messages";
import { failureResult } from "../upload/install-report";
import { abortableSleep } from "./abortable-sleep";
import { openPackage } from "./package-store";

const RPC_TIMEOUT_MS = 10_000;
const SETTLE_POLL_MS = 300;
/** Phases of an install still under way at the agent. */
const IN_FLIGHT = new Set([InstallPhase.RECEIVING, InstallPhase.VERIFYING, InstallPhase.STARTING, InstallPhase.HEALTH]);

export interface PackageRef {
  service: string;
  sha256: string;
  sizeBytes: number;
  healthSeconds: number;
}

export type InstallOutcome =
  | { ok: true; newVersion: string }
  | { ok: false; error: string; logLines: string[]; unreachable: boolean };

/** The service as the agent has it now; undefined when it is not installed there. */
export async function currentService(client: AgentClient, name: string, signal?: AbortSignal): Promise<Service | undefined> {
  try {
    return (await client.getService({ name }, { timeoutMs: RPC_TIMEOUT_MS, signal })).service;
  } catch (err) {
    if (ConnectError.from(err).code === Code.NotFound) return undefined;
    throw err;
  }
}


/** Streams the stored package to the agent and waits for its verdict (the end of its health window). */
export async function installOnHost(client: AgentClient, pkg: PackageRef, signal: AbortSignal): Promise<InstallOutcome> {
  const header = create(InstallHeaderSchema, { name: pkg.service, healthSeconds: pkg.healthSeconds, sha256: pkg.sha256, sizeBytes: BigInt(pkg.sizeBytes) });
  const counter: ByteCounter = { bytes: 0, complete: false };
  try {
    const res = await client.install(installMessages(header, openPackage(pkg.sha256), counter), { signal });
    return { ok: true, newVersion: res.service?.version?.id ?? "" };
  } catch (err) {
    const f = failureResult(err, false);
    const code = ConnectError.from(err).code;
    return { ok: false, error: `${f.code}: ${f.message}`, logLines: f.logLines, unreachable: code === Code.Unavailable || code === Code.DeadlineExceeded };
  }
}

export type Reconciled = { kind: "healthy"; newVersion: string } | { kind: "failed"; error: string } | { kind: "not-installed" };

/**
 * What became of an install that was sent but whose answer the console never saw: waits for the
 * agent to finish it (the agent carries a fully received install through its health window
 * whoever is listening), then reads the version it runs.
 */
export async function reconcileHost(client: AgentClient, pkg: PackageRef, signal: AbortSignal): Promise<Reconciled> {
  for (;;) {
    const s = await currentService(client, pkg.service, signal);
    if (!s) return { kind: "not-installed" };
    if (!IN_FLIGHT.has(s.phase)) {
      if (s.version?.sha256 === pkg.sha256) return { kind: "healthy", newVersion: s.version.id };
      // The new version was started and failed: the agent is back on the old one.
      if (s.phase === InstallPhase.ROLLED_BACK) return { kind: "failed", error: `failed_precondition: ${s.phaseDetail}` };
      // Never got (or never finished receiving) the package: sending it again is not a second install.
      return { kind: "not-installed" };
    }
    await abortableSleep(SETTLE_POLL_MS, signal);
    signal.throwIfAborted();
  }
}

/**
 * Puts the host back on `previousVersion` ("": the service was not there before, so it is
 * removed). A host that runs neither that nor `newVersion` (this rollout's) was changed since by
 * someone else, and is left alone.
 */
export async function revertHost(client: AgentClient, name: string, v: { previousVersion: string; newVersion: string }, signal: AbortSignal): Promise<string> {
  const s = await currentService(client, name, signal);
  const now = s?.version?.id ?? "";
  if (now === v.previousVersion) return v.previousVersion ? `already on ${v.previousVersion}` : "not installed";
  if (v.newVersion && now !== v.newVersion) throw new Error(`it runs ${now || "nothing"} now, not this rollout's ${v.newVersion}: left alone`);
  if (!v.previousVersion) {
    await client.remove({ name }, { timeoutMs: RPC_TIMEOUT_MS, signal });
    return "removed (it was not installed before)";
  }
  await client.rollback({ name, version: v.previousVersion }, { timeoutMs: 60_000, signal });
  return `back on ${v.previousVersion}`;
}

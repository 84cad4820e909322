// `sysward rollout <name> <zip> --selector …`: uploads the ZIP once to the console's /api/rollouts
// (streamed, never whole in memory), then follows the rollout until it ends, a line per host as it
// changes. Exit 0 when every selected machine runs the new version; 1 when it stopped, was
// reverted or skipped machines (which and why, with the agent's log lines); 6 when another rollout
// of the service to those machines is running. Also `sysward rollouts` and
// `sysward rollout status|cancel|revert|approve <id>`.
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import type { RolloutAction, RolloutOptions } from "../args";
import { CliError, unreachable } from "../cli-error";
import { loadCredentials } from "../config";
import { ConsoleClient, errorFromResponse } from "../console-client";
import { ExitCode } from "../exit-codes";
import { multipartBody } from "../multipart-body";
import { formatTable } from "../output";
import { streamedPost, toFetchResponse } from "../streamed-post";
import type { CommandContext } from "./command-context";
import { checkZip } from "./install";

const POLL_MS = 500;
const ACTIVE = new Set(["running", "awaiting-approval", "reverting"]);

export interface RolloutHostView {
  agentName: string;
  wave: number;
  state: string;
  previousVersion: string;
  newVersion: string;
  error: string;
  logLines: string[];
}

export interface RolloutView {
  id: number;
  service: string;
  selector: string;
  sha256: string;
  state: string;
  reason: string;
  createdBy: string;
  createdAt: number;
  hostCount: number;
  healthyCount: number;
  hosts?: RolloutHostView[];
}

/** One line per host change: "web2  failed   wave 2  failed_precondition: …". */
export function hostLine(h: RolloutHostView): string {
  const version = h.state === "healthy" ? h.newVersion : h.state === "reverted" ? `back on ${h.previousVersion || "nothing (removed)"}` : "";
  const error = h.error ? h.error.split("\n")[0]! : "";
  return `${h.agentName.padEnd(16)} ${h.state.padEnd(13)} wave ${h.wave + 1}${version ? `  ${version}` : ""}${error ? `  ${error}` : ""}`;
}

/** Exit 1 with the hosts that did not make it, and why (the log lines the agent returned). */
export function endedError(r: RolloutView): CliError {
  const details: string[] = [];
  for (const h of r.hosts ?? []) {
    if (!["failed", "skipped", "revert-failed"].includes(h.state) && !(h.state === "reverted" && h.error)) continue;
    details.push(`${h.agentName}: ${h.state}: ${h.error}`);
    if (h.logLines.length) details.push("  last log lines:", ...h.logLines.map((l) => `    ${l}`));
  }
  return new CliError(ExitCode.Failure, `rollout ${r.id} of ${r.service} ${r.state}: ${r.reason}`, details);
}

export function summaryText(r: RolloutView): string {
  if (r.state === "reverted") return `rollout ${r.id} of ${r.service} reverted: ${r.reason}`;
  return `rollout ${r.id} of ${r.service} ${r.state}: ${r.healthyCount} of ${r.hostCount} machines on ${r.hosts?.find((h) => h.newVersion)?.newVersion ?? r.sha256.slice(0, 12)}`;
}

/** Prints each change until the rollout ends; `goal` is the end that counts as success. */
async function follow(ctx: CommandContext, client: ConsoleClient, first: RolloutView, goal: "succeeded" | "reverted" = "succeeded"): Promise<void> {
  const seen = new Map<string, string>();
  let state = "";
  for (let r = first; ; ) {
    ctx.out.data(r);
    if (r.state !== state) {
      state = r.state;
      if (state === "awaiting-approval") ctx.out.note(`the canary wave is healthy; go on with \`sysward rollout approve ${r.id}\` (or cancel it)`);
    }
    for (const h of r.hosts ?? []) {
      const line = hostLine(h);
      if (seen.get(h.agentName) !== line && h.state !== "pending") ctx.out.note(line);
      seen.set(h.agentName, line);
    }
    if (!ACTIVE.has(r.state)) {
      if (r.state !== goal || r.hosts?.some((h) => h.state === "revert-failed")) throw endedError(r);
      return ctx.out.result(summaryText(r));
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
    r = (await client.getJson<{ rollout: RolloutView }>(`/api/rollouts/${r.id}`, `reading rollout ${r.id}`, ctx.signal)).rollout;
  }
}

export async function rollout(ctx: CommandContext, inv: { name: string; zip: string; selector: string; strategy: RolloutOptions }): Promise<void> {
  const creds = loadCredentials(ctx.env);
  const size = await checkZip(inv.zip);
  const fields: Array<[string, string]> = [["name", inv.name], ["selector", inv.selector], ...(Object.entries(inv.strategy) as Array<[string, string]>)];
  const body = multipartBody(fields, { field: "package", filename: basename(inv.zip), contentType: "application/zip", size, open: () => createReadStream(inv.zip, { highWaterMark: 256 * 1024 }) });
  const client = new ConsoleClient(creds);
  ctx.out.status(`uploading ${basename(inv.zip)} (${size} bytes)`);
  const post = streamedPost(client.url("/api/rollouts"), { ...client.headers(), "content-type": body.contentType, "content-length": String(body.contentLength) }, body.chunks(), ctx.signal);
  const res = await toFetchResponse(await post.response.catch((err: unknown) => { throw unreachable(creds.url, err) ?? err; }));
  ctx.out.clearStatus();
  if (res.status === 409) {
    const answer = (await res.json().catch(() => ({}))) as { error?: string; runningId?: number };
    throw new CliError(ExitCode.Busy, answer.error ?? "another rollout of this service is running", answer.runningId ? [`see \`sysward rollout status ${answer.runningId}\``] : []);
  }
  if (res.status !== 201) throw await errorFromResponse(res, `starting the rollout of ${inv.name}`);
  const { rollout: started } = (await res.json()) as { rollout: RolloutView };
  ctx.out.note(`rollout ${started.id}: ${started.service} to ${started.hostCount} machines (${started.selector})`);
  await follow(ctx, client, started).catch((err: unknown) => {
    if (!ctx.signal.aborted) throw err;
    // The rollout is the console's: leaving the terminal does not stop it.
    throw new CliError(ExitCode.Interrupted, `interrupted: rollout ${started.id} goes on at the console; see \`sysward rollout status ${started.id}\`, or stop it with \`sysward rollout cancel ${started.id}\``);
  });
}

export async function rollouts(ctx: CommandContext): Promise<void> {
  const list = (await new ConsoleClient(loadCredentials(ctx.env)).getJson<{ rollouts: RolloutView[] }>("/api/rollouts", "listing rollouts", ctx.signal)).rollouts;
  ctx.out.data({ rollouts: list });
  if (list.length === 0) return ctx.out.result("no rollouts yet");
  const rows = list.map((r) => [String(r.id), r.service, r.selector, r.state, `${r.healthyCount}/${r.hostCount}`, r.createdBy, new Date(r.createdAt).toISOString(), r.reason]);
  ctx.out.result(formatTable(["ID", "SERVICE", "SELECTOR", "STATE", "HEALTHY", "BY", "STARTED", "WHY"], rows));
}

export async function rolloutAction(ctx: CommandContext, inv: { action: RolloutAction; id: number }): Promise<void> {
  const client = new ConsoleClient(loadCredentials(ctx.env));
  if (inv.action === "status") {
    const { rollout: r } = await client.getJson<{ rollout: RolloutView }>(`/api/rollouts/${inv.id}`, `reading rollout ${inv.id}`, ctx.signal);
    ctx.out.data(r);
    ctx.out.result([summaryText(r), ...(r.reason ? [r.reason] : []), ...(r.hosts ?? []).map(hostLine)].join("\n"));
    return;
  }
  const { rollout: r } = await client.sendJson<{ rollout: RolloutView }>("POST", `/api/rollouts/${inv.id}/${inv.action}`, {}, `${inv.action} of rollout ${inv.id}`, ctx.signal);
  // Cancel stops after the hosts in flight; approve and revert run on: follow them to their end.
  if (inv.action === "cancel") {
    ctx.out.data(r);
    return ctx.out.result(`rollout ${r.id} ${r.state === "cancelled" ? "cancelled" : "stops once the machines in flight finish their health window"}`);
  }
  await follow(ctx, client, r, inv.action === "revert" ? "reverted" : "succeeded");
}

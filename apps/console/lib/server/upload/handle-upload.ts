import "server-only";
// POST /api/agents/<agentId>/upload: multipart (name, healthSeconds, sizeBytes, then the file
// part "package") streamed through busboy into the agent's Install client stream. The response is
// NDJSON: phase lines while the install runs (GetService is polled for them), then exactly one
// result line.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { MAX_HEALTH_SECONDS, packageNameProblem } from "@sysward/contract";
import { InstallHeaderSchema, InstallPhase, ServiceState, type InstallResponse } from "@sysward/proto";
import type { NextRequest } from "next/server";
import type { UploadEvent } from "../../shared/types";
import { audit } from "../audit/audit-log";
import { authorize } from "../auth/authorize";
import { agentClient, type AgentClient } from "../agents/agent-client";
import { agentConnection } from "../agents/agent-connection";
import { getAgentRecord } from "../agents/registry";
import { getConfig } from "../config";
import { errorResponse, jsonError } from "../http-errors";
import { getLogger } from "../log";
import { parseDeclaredSize } from "./declared-size";
import { installMessages, type ByteCounter } from "./install-messages";
import { failureResult, installedService, phaseName } from "./install-report";
import { FileTooLargeError, startMultipartUpload } from "./multipart-upload";

const POLL_MS = 400;
/** Multipart framing around the file: boundaries, part headers, the small fields. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const ZIP_TYPES = new Set(["", "application/zip", "application/x-zip-compressed", "application/x-zip", "application/octet-stream", "multipart/x-zip"]);

export async function handleUpload(req: NextRequest, agentId: string): Promise<Response> {
  const auth = authorize(req, "write", { action: `install on agent ${agentId}` });
  if (auth instanceof Response) return auth;
  const agent = getAgentRecord(agentId);
  if (!agent) return jsonError(404, `no agent with id ${JSON.stringify(agentId)}`);

  const contentType = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    return jsonError(415, 'send the package as multipart/form-data: fields "name", "healthSeconds" and "sizeBytes" (both optional), then the file part "package"');
  }
  const max = getConfig().maxUploadBytes;
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > max + MULTIPART_OVERHEAD_BYTES) {
    return jsonError(413, `the package is larger than the upload limit of ${max} bytes (SYSWARD_MAX_UPLOAD_BYTES)`);
  }
  if (!req.body) return jsonError(400, "empty request body");

  let upload;
  try {
    upload = await startMultipartUpload(req.body, contentType, max);
  } catch (err) {
    return errorResponse(err);
  }
  const refuse = (status: number, message: string) => {
    upload.abandon();
    return jsonError(status, message);
  };
  const name = upload.fields.get("name");
  if (name === undefined) return refuse(400, 'the "name" field must come before the file part in the form');
  const nameProblem = packageNameProblem(name);
  if (nameProblem) return refuse(400, nameProblem);
  const healthText = upload.fields.get("healthSeconds")?.trim() ?? "";
  const healthSeconds = healthText === "" ? undefined : Number(healthText);
  if (healthSeconds !== undefined && (!Number.isInteger(healthSeconds) || healthSeconds < 0 || healthSeconds > MAX_HEALTH_SECONDS)) {
    return refuse(400, `healthSeconds must be a whole number from 0 to ${MAX_HEALTH_SECONDS}`);
  }
  let sizeBytes: number | undefined;
  try {
    sizeBytes = parseDeclaredSize(upload.fields.get("sizeBytes"));
  } catch (err) {
    return refuse(400, (err as Error).message);
  }
  // Refused before a byte of the file is read: nothing reaches the agent.
  if (sizeBytes !== undefined && sizeBytes > max) {
    return refuse(413, `the package is ${sizeBytes} bytes, larger than the upload limit of ${max} bytes (SYSWARD_MAX_UPLOAD_BYTES)`);
  }
  if (upload.fieldName !== "package") return refuse(400, `the file part must be named "package", not ${JSON.stringify(upload.fieldName)}`);
  if (!ZIP_TYPES.has(upload.mimeType.toLowerCase())) return refuse(415, `the package must be a ZIP file (got content type ${upload.mimeType})`);

  let client: AgentClient;
  try {
    client = agentClient(agentConnection(agent));
  } catch (err) {
    upload.abandon();
    return errorResponse(err);
  }

  // The browser leaving mid-upload cancels the install (the agent discards the staging file).
  // Once every byte is with the agent the install runs to its end and is audited either way.
  const counter: ByteCounter = { bytes: 0, complete: false };
  const cancel = new AbortController();
  const onBrowserGone = () => {
    if (!counter.complete) cancel.abort(new ConnectError("the browser cancelled the upload", Code.Canceled));
  };
  req.signal.addEventListener("abort", onBrowserGone, { once: true });

  // size_bytes 0 is "unknown" to the agent; an empty package is still held to its declared 0 here.
  const header = create(InstallHeaderSchema, { name, healthSeconds, sizeBytes: BigInt(sizeBytes ?? 0) });
  const install: Promise<InstallResponse> = client.install(installMessages(header, upload.file, counter, sizeBytes === undefined ? undefined : { declaredBytes: sizeBytes, cancel }), { signal: cancel.signal });
  const target = `${agentId}/${name}`;
  const log = getLogger();
  log.info({ agentId, name, user: auth.user.username, filename: upload.filename, sizeBytes }, "upload started");

  const encoder = new TextEncoder();
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: UploadEvent) => {
        if (!closed) controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
      };
      let last = "";
      const sendPhase = (phase: NonNullable<ReturnType<typeof phaseName>>, detail: string, bytes?: number) => {
        const key = `${phase}\n${detail}`;
        if (key === last) return;
        last = key;
        send(bytes === undefined ? { type: "phase", phase, detail } : { type: "phase", phase, detail, bytes });
      };
      const poll = async () => {
        try {
          const { service } = await client.getService({ name }, { timeoutMs: 2000 });
          const phase = service?.phase ? phaseName(service.phase) : undefined;
          if (phase && !(phase === "receiving" && !counter.complete)) return sendPhase(phase, service!.phaseDetail);
        } catch (err) {
          // NotFound until the agent has read the header of a first install.
          if (ConnectError.from(err).code !== Code.NotFound) log.debug({ err: (err as Error).message }, "GetService poll failed");
        }
        if (!counter.complete) sendPhase("receiving", `${counter.bytes}${sizeBytes === undefined ? "" : ` of ${sizeBytes}`} bytes sent to the agent`, counter.bytes);
      };

      sendPhase("receiving", "upload started", 0);
      let settled = false;
      const outcome = install.then(
        (res) => ({ ok: true as const, res }),
        // The size check's own error when it is what cancelled the call (read now: a mismatch
        // found after the agent had already failed for its own reason does not replace that).
        (err: unknown) => ({ ok: false as const, err: counter.mismatch ?? err }),
      ).finally(() => (settled = true));
      while (!settled) {
        await Promise.race([outcome, new Promise((r) => setTimeout(r, POLL_MS))]);
        if (!settled) await poll();
      }
      const result = await outcome;
      req.signal.removeEventListener("abort", onBrowserGone);

      if (result.ok) {
        const service = result.res.service;
        if (service) {
          sendPhase("running", service.phaseDetail || `version ${service.version?.id ?? "?"} is running`);
          send({ type: "result", ok: true, service: installedService(service), ...(result.res.previousVersion ? { previousVersion: result.res.previousVersion } : {}) });
        }
        audit({ actor: auth.user, address: auth.address, action: "install", target, result: "ok", detail: `version ${service?.version?.id ?? "?"} (${counter.bytes} bytes)${result.res.previousVersion ? `, replaced ${result.res.previousVersion}` : ""}` });
      } else {
        upload.abandon();
        const tooLarge = upload.file.errored instanceof FileTooLargeError ? upload.file.errored : null;
        const err = tooLarge ? new ConnectError(tooLarge.message, Code.ResourceExhausted) : result.err;
        let previousStillRunning = false;
        try {
          const { service } = await client.getService({ name }, { timeoutMs: 2000 });
          previousStillRunning = service?.state === ServiceState.RUNNING && service.version !== undefined;
          const rolledBack = service?.phase === InstallPhase.ROLLED_BACK;
          sendPhase(rolledBack ? "rolled-back" : "failed", (rolledBack && service?.phaseDetail) || ConnectError.from(err).rawMessage.split("\n")[0]!);
        } catch {
          sendPhase("failed", ConnectError.from(err).rawMessage.split("\n")[0]!);
        }
        const failure = failureResult(err, previousStillRunning);
        send(failure);
        audit({ actor: auth.user, address: auth.address, action: "install", target, result: "failed", detail: `${failure.code}: ${failure.message}` });
        log.info({ agentId, name, code: failure.code }, "upload failed");
      }
      if (!closed) controller.close();
    },
    cancel() {
      closed = true;
      onBrowserGone();
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store, no-transform" } });
}

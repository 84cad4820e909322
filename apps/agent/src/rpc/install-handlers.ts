// Install: a client stream whose first message is the header and the rest the package's
// bytes. The chunks are handed to the ServiceManager as an async iterable, so the package is
// streamed to disk and never held in memory.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { AgentService, InstallResponseSchema, type InstallHeader, type InstallRequest } from "@sysward/proto";
import { idleTimeout } from "../install/idle-timeout";
import type { ServiceManager } from "../install/service-manager";
import type { InstallHeaderInput } from "../install/service-types";
import { toServiceMessage, type ServicePerfLookup } from "./service-handlers";

export interface InstallHandlerDeps {
  services: ServiceManager;
  servicePerf?: ServicePerfLookup;
  /** SYSWARD_INSTALL_IDLE_SECONDS: a stream that sends nothing this long fails with DeadlineExceeded. */
  idleSeconds?: number;
}

const DEFAULT_IDLE_SECONDS = 60;

export function installHandlers(deps: InstallHandlerDeps): Pick<ServiceImpl<typeof AgentService>, "install"> {
  return {
    async install(requests, ctx) {
      const idle = deps.idleSeconds ?? DEFAULT_IDLE_SECONDS;
      const it = idleTimeout(
        requests,
        idle * 1000,
        `the upload stalled: no Install message for ${idle} s, so the install was abandoned (SYSWARD_INSTALL_IDLE_SECONDS)`,
      )[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done || first.value.msg.case !== "header") {
        throw new ConnectError("the first Install message must be the header (name, health_seconds, ...)", Code.InvalidArgument);
      }
      const res = await deps.services.install(toHeaderInput(first.value.msg.value), chunksOf(it), ctx.signal);
      return create(InstallResponseSchema, {
        service: toServiceMessage(res.service, deps.servicePerf),
        previousVersion: res.previousVersion ?? "",
      });
    },
  };
}

function toHeaderInput(h: InstallHeader): InstallHeaderInput {
  return {
    name: h.name,
    healthSeconds: h.healthSeconds,
    sha256: h.sha256 || undefined,
    sizeBytes: h.sizeBytes > 0n ? Number(h.sizeBytes) : undefined,
    args: h.args,
    env: h.env,
  };
}

async function* chunksOf(it: AsyncIterator<InstallRequest>): AsyncIterable<Uint8Array> {
  while (true) {
    const next = await it.next();
    if (next.done) return;
    const msg = next.value.msg;
    if (msg.case === "header") throw new ConnectError("Install got a second header; send it once, first", Code.InvalidArgument);
    if (msg.case === "chunk") yield msg.value;
  }
}

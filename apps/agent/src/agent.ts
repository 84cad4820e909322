// The composition root: builds every part of the agent from its config and wires them
// together. main.ts only adds process concerns (signals, exit codes).
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { AgentConfig, ListenConfig } from "./config";
import { CounterMap, VarRegistry } from "./debugvars/registry";
import { serveDebugVars } from "./debugvars/handler";
import { publishProcessVars } from "./debugvars/standard-vars";
import { readInventory } from "./inventory/machine-inventory";
import { acquireLock, loadOrCreateToken, prepareDataDir } from "./lifecycle/data-dir";
import type { Logger } from "./logger";
import { createTokenCheck } from "./rpc/bearer-token";
import { infoHandlers } from "./rpc/info-handlers";
import { authInterceptor } from "./rpc/interceptors/auth";
import { errorsInterceptor } from "./rpc/interceptors/errors";
import { loggingInterceptor } from "./rpc/interceptors/logging";
import { createRoutes } from "./rpc/routes";
import { startAgentServer, type TcpListenOptions } from "./rpc/server";
import pkg from "../package.json";

export interface RunningAgent {
  /** The TCP address bound when SYSWARD_LISTEN is set. */
  tcpAddress?: AddressInfo;
  stop(): Promise<void>;
}

function readTlsFiles(l: ListenConfig): TcpListenOptions {
  const read = (p: string) => readFileSync(p, "utf8");
  return { host: l.host, port: l.port, cert: read(l.certPath), key: read(l.keyPath), clientCa: read(l.clientCaPath), crl: l.crlPath && read(l.crlPath) };
}

export async function startAgent(config: AgentConfig, logger: Logger): Promise<RunningAgent> {
  prepareDataDir(config);
  const releaseLock = acquireLock(config.lockPath);
  const cleanups: Array<() => Promise<void> | void> = [releaseLock];
  try {
    const token = loadOrCreateToken(config.tokenPath);
    const tokenOk = createTokenCheck(token);
    const startedAt = new Date();
    const vars = new VarRegistry();
    const rpcCalls = new CounterMap();
    publishProcessVars(vars);
    vars.publish("rpc-calls", () => rpcCalls.toJSON());

    const runtimeInfo = {
      name: "supervisor" as const,
      reason: "runtime not wired yet",
      capabilities: { sandboxing: false, journalLogs: false, signals: true, survivesAgentRestart: true },
    };
    vars.publish("agent", () => ({
      version: pkg.version,
      started: startedAt.toISOString(),
      runtime: runtimeInfo.name,
      runtimeReason: runtimeInfo.reason,
      dataDir: config.dataDir,
      perfIntervalMs: config.perfIntervalMs,
    }));

    const routes = createRoutes(
      infoHandlers({
        inventory: readInventory(),
        agentVersion: pkg.version,
        startedAt,
        perfIntervalMs: config.perfIntervalMs,
        runtime: runtimeInfo,
      }),
    );
    const server = await startAgentServer({
      socketPath: config.socketPath,
      routes,
      interceptors: [loggingInterceptor(logger, rpcCalls), authInterceptor(tokenOk), errorsInterceptor(logger)],
      isAuthorized: (h) => tokenOk(h),
      httpRoutes: { "/debug/vars": (req, res) => serveDebugVars(vars, req, res) },
      logger,
      tcp: config.listen && readTlsFiles(config.listen),
    });
    cleanups.unshift(() => server.close());

    return {
      tcpAddress: server.tcpAddress,
      async stop() {
        for (const c of cleanups.splice(0)) {
          try {
            await c();
          } catch (err) {
            logger.error({ err }, "error during shutdown");
          }
        }
      },
    };
  } catch (err) {
    for (const c of cleanups) await c();
    throw err;
  }
}

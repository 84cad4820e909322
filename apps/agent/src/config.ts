// Agent configuration: environment variables with defaults that run on one laptop with zero setup.
// Every variable is documented in the README's "Agent configuration" table.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { LISTEN_FILE, readListenFile } from "./enroll/listen-file";
import { DEFAULT_HISTORY_MAX_BYTES, MIN_HISTORY_MAX_BYTES } from "./history/perf-history";
import type { HistoryRetention } from "./history/history-range";
import { DEFAULT_SERVICE_UID_BASE } from "./install/service-users";
import { SANDBOX_POLICIES, type SandboxPolicy } from "./runtime/isolation";
import type { RuntimeName } from "./runtime/runtime";
import { DEFAULT_TLS_LISTENER_LIMITS, type TlsListenerLimits } from "./rpc/tls-listener-guard";

export interface AgentConfig {
  /** SYSWARD_DATA_DIR: everything the agent keeps (socket, token, packages, history). Mode 0700. */
  dataDir: string;
  socketPath: string;
  tokenPath: string;
  lockPath: string;
  packagesDir: string;
  stagingDir: string;
  runtimeStateDir: string;
  historyPath: string;
  /** SYSWARD_HISTORY_RAW_HOURS (1), SYSWARD_HISTORY_MINUTE_DAYS (7), SYSWARD_HISTORY_COARSE_DAYS (90). */
  historyRetention: HistoryRetention;
  /** SYSWARD_HISTORY_MAX_BYTES (256 MiB): history.sqlite with its WAL never grows past this. */
  historyMaxBytes: number;
  /** SYSWARD_PERF_INTERVAL_MS: perf collection interval. */
  perfIntervalMs: number;
  /** SYSWARD_SERVICE_WATCH_MS: how often services are looked at while a WatchServices stream is open. */
  serviceWatchMs: number;
  /** SYSWARD_MAX_PACKAGE_BYTES: the largest ZIP an Install accepts. */
  maxPackageBytes: number;
  /** SYSWARD_HEALTH_SECONDS: health window when an Install does not say. */
  defaultHealthSeconds: number;
  /** SYSWARD_INSTALL_IDLE_SECONDS: an Install stream that sends nothing this long is abandoned (frees the name). */
  installIdleSeconds: number;
  /** SYSWARD_RUNTIME: auto | supervisor | systemd. */
  runtime: "auto" | RuntimeName;
  /** SYSWARD_SANDBOX: required (default) | auto | off — whether services may run without a sandbox. */
  sandbox: SandboxPolicy;
  /** SYSWARD_SERVICE_UID_BASE (2000000000): a root agent gives its services uids from here up. */
  serviceUidBase: number;
  /** SYSWARD_LOG_LEVEL: pino level. */
  logLevel: string;
  /** SYSWARD_LISTEN (+ SYSWARD_TLS_*), else the data dir's listen.json from `enroll`: the opt-in TCP listener; refused unless TLS and client CA are configured. */
  listen?: ListenConfig;
  /** SYSWARD_TLS_MAX_CONNECTIONS, SYSWARD_TLS_MAX_HANDSHAKES, SYSWARD_TLS_HANDSHAKE_TIMEOUT_SECONDS: the TCP listener's caps. */
  tlsLimits: TlsListenerLimits;
  /** For an enrolled listener (listen.json names its console): keep the CRL fresh and renew the certificate. */
  credentialUpkeep?: CredentialUpkeepConfig;
  /** SYSWARD_TEST_CRASH_AT: test-only; the agent SIGKILLs itself when an install reaches this phase. */
  crashAt?: string;
}

export interface ListenConfig {
  host: string;
  port: number;
  certPath: string;
  keyPath: string;
  clientCaPath: string;
  crlPath?: string;
}

export interface CredentialUpkeepConfig {
  consoleUrl: string;
  /** SYSWARD_TLS_REFRESH_SECONDS (3600): how often the agent fetches the console's CRL. */
  refreshMs: number;
  /** SYSWARD_TLS_RENEW_BEFORE_DAYS (30): renew the certificate when it has less than this left. */
  renewBeforeMs: number;
}

export class ConfigError extends Error {}

/** "127.0.0.1:7443", "[::1]:7443", "0.0.0.0:7443" → host and port. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new ConfigError(`SYSWARD_LISTEN=${JSON.stringify(value)} must be host:port, e.g. 127.0.0.1:7443 or [::1]:7443`);
  return { host: (m[1] ?? m[2])!, port };
}

/** The listener `enroll` saved in the data dir's listen.json, when SYSWARD_LISTEN is not set. */
function enrolledListenConfig(dataDir: string): ListenConfig | undefined {
  try {
    const f = readListenFile(dataDir);
    return f && { ...parseListen(f.listen), certPath: f.certPath, keyPath: f.keyPath, clientCaPath: f.clientCaPath, crlPath: f.crlPath };
  } catch (err) {
    throw new ConfigError(err instanceof ConfigError ? `${join(dataDir, LISTEN_FILE)}: "listen" must be host:port` : (err as Error).message);
  }
}

function listenConfig(env: NodeJS.ProcessEnv, dataDir: string): ListenConfig | undefined {
  if (!env.SYSWARD_LISTEN) return enrolledListenConfig(dataDir);
  const { host, port } = parseListen(env.SYSWARD_LISTEN);
  const missing = ["SYSWARD_TLS_CERT", "SYSWARD_TLS_KEY", "SYSWARD_TLS_CLIENT_CA"].filter((k) => !env[k]);
  if (missing.length) {
    throw new ConfigError(
      `SYSWARD_LISTEN is set but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not: a TCP listener needs TLS and client certificates (mTLS) as well as the token`,
    );
  }
  return {
    host,
    port,
    certPath: resolve(env.SYSWARD_TLS_CERT!),
    keyPath: resolve(env.SYSWARD_TLS_KEY!),
    clientCaPath: resolve(env.SYSWARD_TLS_CLIENT_CA!),
    crlPath: env.SYSWARD_TLS_CRL ? resolve(env.SYSWARD_TLS_CRL) : undefined,
  };
}

/** Only for the listener `enroll` set up: one configured by hand (SYSWARD_LISTEN) is the operator's to renew. */
function credentialUpkeepConfig(env: NodeJS.ProcessEnv, dataDir: string): CredentialUpkeepConfig | undefined {
  if (env.SYSWARD_LISTEN) return undefined;
  const consoleUrl = readListenFile(dataDir)?.consoleUrl;
  if (!consoleUrl) return undefined;
  return {
    consoleUrl,
    refreshMs: positiveInt(env, "SYSWARD_TLS_REFRESH_SECONDS", 3600) * 1000,
    renewBeforeMs: positiveInt(env, "SYSWARD_TLS_RENEW_BEFORE_DAYS", 30) * 86_400_000,
  };
}

function positiveInt(env: NodeJS.ProcessEnv, key: string, fallback: number, min = 1): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ConfigError(`${key}=${JSON.stringify(raw)} must be a whole number ≥ ${min}`);
  }
  return n;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && xdg.startsWith("/") ? xdg : join(env.HOME || homedir(), ".local", "share"), "sysward");
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const dataDir = resolve(env.SYSWARD_DATA_DIR || defaultDataDir(env));
  const runtime = (env.SYSWARD_RUNTIME || "auto") as AgentConfig["runtime"];
  if (!["auto", "supervisor", "systemd"].includes(runtime)) {
    throw new ConfigError(`SYSWARD_RUNTIME=${JSON.stringify(runtime)} must be auto, supervisor or systemd`);
  }
  const sandbox = (env.SYSWARD_SANDBOX || "required") as SandboxPolicy;
  if (!SANDBOX_POLICIES.includes(sandbox)) {
    throw new ConfigError(`SYSWARD_SANDBOX=${JSON.stringify(sandbox)} must be required, auto or off`);
  }
  const historyRetention = {
    rawSeconds: positiveInt(env, "SYSWARD_HISTORY_RAW_HOURS", 1) * 3600,
    minuteSeconds: positiveInt(env, "SYSWARD_HISTORY_MINUTE_DAYS", 7) * 86400,
    coarseSeconds: positiveInt(env, "SYSWARD_HISTORY_COARSE_DAYS", 90) * 86400,
  };
  if (historyRetention.minuteSeconds < historyRetention.rawSeconds || historyRetention.coarseSeconds < historyRetention.minuteSeconds) {
    throw new ConfigError("history tiers must not get shorter as they get coarser: SYSWARD_HISTORY_RAW_HOURS ≤ 24 × SYSWARD_HISTORY_MINUTE_DAYS, SYSWARD_HISTORY_MINUTE_DAYS ≤ SYSWARD_HISTORY_COARSE_DAYS");
  }
  return {
    dataDir,
    socketPath: join(dataDir, "agent.sock"),
    tokenPath: join(dataDir, "agent.token"),
    lockPath: join(dataDir, "agent.lock"),
    packagesDir: join(dataDir, "packages"),
    stagingDir: join(dataDir, "staging"),
    runtimeStateDir: join(dataDir, "runtime"),
    historyPath: join(dataDir, "history.sqlite"),
    historyRetention,
    historyMaxBytes: positiveInt(env, "SYSWARD_HISTORY_MAX_BYTES", DEFAULT_HISTORY_MAX_BYTES, MIN_HISTORY_MAX_BYTES),
    perfIntervalMs: positiveInt(env, "SYSWARD_PERF_INTERVAL_MS", 1000, 50),
    serviceWatchMs: positiveInt(env, "SYSWARD_SERVICE_WATCH_MS", 1000, 50),
    maxPackageBytes: positiveInt(env, "SYSWARD_MAX_PACKAGE_BYTES", 2 * 1024 ** 3),
    defaultHealthSeconds: positiveInt(env, "SYSWARD_HEALTH_SECONDS", 30, 0),
    installIdleSeconds: positiveInt(env, "SYSWARD_INSTALL_IDLE_SECONDS", 60),
    runtime,
    sandbox,
    serviceUidBase: positiveInt(env, "SYSWARD_SERVICE_UID_BASE", DEFAULT_SERVICE_UID_BASE, 1000),
    logLevel: env.SYSWARD_LOG_LEVEL || "info",
    listen: listenConfig(env, dataDir),
    tlsLimits: {
      maxConnections: positiveInt(env, "SYSWARD_TLS_MAX_CONNECTIONS", DEFAULT_TLS_LISTENER_LIMITS.maxConnections),
      maxHandshakes: positiveInt(env, "SYSWARD_TLS_MAX_HANDSHAKES", DEFAULT_TLS_LISTENER_LIMITS.maxHandshakes),
      handshakeTimeoutMs: positiveInt(env, "SYSWARD_TLS_HANDSHAKE_TIMEOUT_SECONDS", DEFAULT_TLS_LISTENER_LIMITS.handshakeTimeoutMs / 1000) * 1000,
    },
    credentialUpkeep: credentialUpkeepConfig(env, dataDir),
    crashAt: env.SYSWARD_TEST_CRASH_AT || undefined,
  };
}

import "server-only";
// Console configuration: environment variables with defaults that run on one laptop with zero
// setup. Every variable is documented in apps/console/README.md ("Configuration").
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface ConsoleConfig {
  /** SYSWARD_CONSOLE_DATA_DIR: the console's own state (console.sqlite). */
  dataDir: string;
  /** SYSWARD_MAX_STREAMS_PER_USER (32): live streams (logs, charts, watches) one user may hold open through the proxy. */
  maxStreamsPerUser: number;
  /** SYSWARD_AUDIT_RETENTION_DAYS (365): older audit rows are deleted. */
  auditRetentionDays: number;
  /** SYSWARD_CONSOLE_SECRET_KEY_FILE (<data dir>/secret.key): seals the agents' tokens kept in the DB. */
  secretKeyPath: string;
  dbPath: string;
  /** SYSWARD_DATA_DIR: the local agent's data dir; its socket and token are registered as agent "local". */
  localAgentDataDir: string;
  localAgentSocketPath: string;
  localAgentTokenPath: string;
  /** SYSWARD_ADMIN_PASSWORD: the first admin's password (first start only); random when unset. */
  adminPassword: string | undefined;
  /** SYSWARD_MAX_UPLOAD_BYTES: the largest package the upload route accepts. */
  maxUploadBytes: number;
  /** SYSWARD_CONSOLE_HOST / PORT: where scripts/start.mjs listens. */
  host: string;
  port: number;
  /** SYSWARD_SESSION_IDLE_MINUTES / SYSWARD_SESSION_MAX_HOURS. */
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** SYSWARD_SECURE_COOKIES: auto (Secure when the request came over https), always, never. */
  secureCookies: "auto" | "always" | "never";
  /** SYSWARD_ALLOWED_ORIGINS: extra origins accepted for state-changing requests (reverse proxies). */
  allowedOrigins: string[];
  /** SYSWARD_CRL_DAYS: how long each CRL the console's CA publishes is valid (agents fetch a fresh one hourly). */
  crlDays: number;
  /** SYSWARD_EVENT_RETENTION_DAYS / SYSWARD_EVENT_MAX_ROWS: how long, and how many, fleet events are kept. */
  eventRetentionDays: number;
  eventMaxRows: number;
  /** SYSWARD_AGENT_PING_MS: a silent agent connection is pinged after this long and dropped if the ping takes as long again. */
  agentPingMs: number;
  /** SYSWARD_FLEET_RECONNECT_MAX_MS: the longest wait between the fleet monitor's tries to reach a machine. */
  fleetReconnectMaxMs: number;
  /** SYSWARD_FLEET_PERF_MS: how often the fleet monitor takes a machine's perf sample (the agent's nearest multiple of its interval). */
  fleetPerfMs: number;
  /** SYSWARD_LOG_LEVEL: pino level. */
  logLevel: string;
  /** SYSWARD_CONSOLE_LOG_FILE: append JSON logs to this file instead of stderr. */
  logFile: string | undefined;
  /** SYSWARD_AGENT_ARTIFACT_DIR: the agent artifact the console serves (`npm run package`'s output dir). */
  agentArtifactDir: string;
  /** SYSWARD_CONSOLE_SSH_KEY (<data dir>/ssh/id_ed25519): the console's SSH key for machines added by SSH; made on first use. */
  sshKeyPath: string;
  /** SYSWARD_SSH_TIMEOUT_MS (5000): connect + handshake with a machine over SSH, and opening a channel on it. */
  sshTimeoutMs: number;
  /** SYSWARD_CONSOLE_PUBLIC_URL (http://<host>:<port>): the console's address as people reach it; every alert links back to it. */
  publicUrl: string;
  /** SYSWARD_ALERT_EVAL_MS (1000): how often alert rules are evaluated (a service or machine change is evaluated at once). */
  alertEvalMs: number;
  /** SYSWARD_ALERT_MACHINE_DOWN_SECONDS (30): the built-in machine-down rule's wait, when it is first created. */
  alertMachineDownSeconds: number;
  /** SYSWARD_ALERT_RETRY_BASE_MS (1000) / SYSWARD_ALERT_RETRY_MAX_MS (300000) / SYSWARD_ALERT_MAX_ATTEMPTS (30): a failed delivery is tried again after a doubling wait, up to this many times. */
  alertRetryBaseMs: number;
  alertRetryMaxMs: number;
  alertMaxAttempts: number;
  /** SYSWARD_ALERT_HISTORY_DAYS (30): resolved alerts and their deliveries are kept this long. */
  alertHistoryDays: number;
}

class ConfigError extends Error {}

function positiveNumber(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${key}=${JSON.stringify(raw)} must be a number > 0`);
  return n;
}

function publicUrl(env: NodeJS.ProcessEnv, host: string, port: number): string {
  const raw = env.SYSWARD_CONSOLE_PUBLIC_URL;
  if (!raw) return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  try {
    const u = new URL(raw);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    return u.href.replace(/\/+$/, "");
  } catch {
    throw new ConfigError(`SYSWARD_CONSOLE_PUBLIC_URL=${JSON.stringify(raw)} must be an http(s) URL like https://console.example.com`);
  }
}

function xdgDataHome(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_DATA_HOME;
  return xdg && xdg.startsWith("/") ? xdg : join(homedir(), ".local", "share");
}

function loadConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  // Run-time data paths, not app files: turbopackIgnore keeps Next from tracing the whole project.
  const dataDir = resolve(/*turbopackIgnore: true*/ env.SYSWARD_CONSOLE_DATA_DIR || join(xdgDataHome(env), "sysward-console"));
  const localAgentDataDir = resolve(/*turbopackIgnore: true*/ env.SYSWARD_DATA_DIR || join(xdgDataHome(env), "sysward"));
  const secure = (env.SYSWARD_SECURE_COOKIES || "auto").toLowerCase();
  const secureCookies = secure === "true" || secure === "always" ? "always" : secure === "false" || secure === "never" ? "never" : secure === "auto" ? "auto" : undefined;
  if (!secureCookies) throw new ConfigError(`SYSWARD_SECURE_COOKIES=${JSON.stringify(env.SYSWARD_SECURE_COOKIES)} must be auto, true or false`);
  const port = positiveNumber(env, "PORT", 3000);
  if (!Number.isInteger(port) || port > 65535) throw new ConfigError(`PORT=${JSON.stringify(env.PORT)} must be a TCP port`);
  const allowedOrigins = (env.SYSWARD_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((o) => {
      try {
        return new URL(o).origin;
      } catch {
        throw new ConfigError(`SYSWARD_ALLOWED_ORIGINS: ${JSON.stringify(o)} is not an origin like https://console.example.com`);
      }
    });
  return {
    dataDir,
    dbPath: join(dataDir, "console.sqlite"),
    auditRetentionDays: positiveNumber(env, "SYSWARD_AUDIT_RETENTION_DAYS", 365),
    maxStreamsPerUser: Math.floor(positiveNumber(env, "SYSWARD_MAX_STREAMS_PER_USER", 32)),
    secretKeyPath: resolve(/*turbopackIgnore: true*/ env.SYSWARD_CONSOLE_SECRET_KEY_FILE || join(dataDir, "secret.key")),
    localAgentDataDir,
    localAgentSocketPath: join(localAgentDataDir, "agent.sock"),
    localAgentTokenPath: join(localAgentDataDir, "agent.token"),
    adminPassword: env.SYSWARD_ADMIN_PASSWORD || undefined,
    maxUploadBytes: Math.floor(positiveNumber(env, "SYSWARD_MAX_UPLOAD_BYTES", 2 * 1024 ** 3)),
    host: env.SYSWARD_CONSOLE_HOST || "127.0.0.1",
    port,
    sessionIdleMs: positiveNumber(env, "SYSWARD_SESSION_IDLE_MINUTES", 720) * 60_000,
    sessionMaxMs: positiveNumber(env, "SYSWARD_SESSION_MAX_HOURS", 168) * 3_600_000,
    secureCookies,
    allowedOrigins,
    crlDays: Math.ceil(positiveNumber(env, "SYSWARD_CRL_DAYS", 7)),
    eventRetentionDays: positiveNumber(env, "SYSWARD_EVENT_RETENTION_DAYS", 30),
    eventMaxRows: Math.ceil(positiveNumber(env, "SYSWARD_EVENT_MAX_ROWS", 100_000)),
    agentPingMs: Math.ceil(positiveNumber(env, "SYSWARD_AGENT_PING_MS", 2000)),
    fleetReconnectMaxMs: Math.ceil(positiveNumber(env, "SYSWARD_FLEET_RECONNECT_MAX_MS", 5000)),
    fleetPerfMs: Math.ceil(positiveNumber(env, "SYSWARD_FLEET_PERF_MS", 5000)),
    logLevel: env.SYSWARD_LOG_LEVEL || "info",
    logFile: env.SYSWARD_CONSOLE_LOG_FILE || undefined,
    // The console runs from apps/console (npm start, scripts/start.mjs): the checkout's own package.
    agentArtifactDir: resolve(/*turbopackIgnore: true*/ env.SYSWARD_AGENT_ARTIFACT_DIR || join(process.cwd(), "..", "agent", "dist", "artifact")),
    sshKeyPath: resolve(/*turbopackIgnore: true*/ env.SYSWARD_CONSOLE_SSH_KEY || join(dataDir, "ssh", "id_ed25519")),
    sshTimeoutMs: positiveNumber(env, "SYSWARD_SSH_TIMEOUT_MS", 5000),
    publicUrl: publicUrl(env, env.SYSWARD_CONSOLE_HOST || "127.0.0.1", port),
    alertEvalMs: Math.ceil(positiveNumber(env, "SYSWARD_ALERT_EVAL_MS", 1000)),
    alertMachineDownSeconds: positiveNumber(env, "SYSWARD_ALERT_MACHINE_DOWN_SECONDS", 30),
    alertRetryBaseMs: Math.ceil(positiveNumber(env, "SYSWARD_ALERT_RETRY_BASE_MS", 1000)),
    alertRetryMaxMs: Math.ceil(positiveNumber(env, "SYSWARD_ALERT_RETRY_MAX_MS", 300_000)),
    alertMaxAttempts: Math.ceil(positiveNumber(env, "SYSWARD_ALERT_MAX_ATTEMPTS", 30)),
    alertHistoryDays: positiveNumber(env, "SYSWARD_ALERT_HISTORY_DAYS", 30),
  };
}

let cached: ConsoleConfig | undefined;

/** The process's configuration, read once. */
export function getConfig(): ConsoleConfig {
  return (cached ??= loadConfig());
}

// Where the CLI keeps the console's address and API token. `sysward login` writes
// $XDG_CONFIG_HOME/sysward/cli.json (else ~/.config/sysward/cli.json): directory 0700, file 0600,
// replaced atomically. SYSWARD_URL / SYSWARD_TOKEN override what the file says (for CI jobs).
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { CliError, usageError } from "./cli-error";
import { ExitCode } from "./exit-codes";

export interface Credentials {
  /** The console's base URL, no trailing slash: `http://127.0.0.1:3000`. */
  url: string;
  /** An API token (`swt_…`) made on the console's Users page or with POST /api/tokens. */
  token: string;
}

export function configPath(env: NodeJS.ProcessEnv): string {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ".config");
  return join(base, "sysward", "cli.json");
}

/** `http://host:3000/` → `http://host:3000`; anything but an http(s) URL is a usage error. */
export function normalizeConsoleUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw usageError(`not a URL: ${JSON.stringify(input)} (expected e.g. http://127.0.0.1:3000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usageError(`the console URL must start with http:// or https://, not ${url.protocol}`);
  }
  if (url.username || url.password) throw usageError("put the token in --token, not in the URL");
  if (url.search || url.hash) throw usageError("the console URL takes no query or fragment");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function readConfigFile(path: string): Partial<Credentials> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new CliError(ExitCode.Failure, `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data !== "object" || data === null) throw new Error("not an object");
    const { url, token } = data as Record<string, unknown>;
    return { ...(typeof url === "string" ? { url } : {}), ...(typeof token === "string" ? { token } : {}) };
  } catch (err) {
    throw new CliError(ExitCode.Failure, `${path} is not valid JSON (${(err as Error).message}); run \`sysward login\` again`);
  }
}

/** The credentials to use: env first, then the file; an Auth error when either part is missing. */
export function loadCredentials(env: NodeJS.ProcessEnv): Credentials {
  const path = configPath(env);
  const file = env.SYSWARD_URL && env.SYSWARD_TOKEN ? {} : readConfigFile(path);
  const url = env.SYSWARD_URL || file.url;
  const token = env.SYSWARD_TOKEN || file.token;
  if (!url || !token) {
    throw new CliError(
      ExitCode.Auth,
      `not logged in: run \`sysward login <console-url> --token <token>\` (or set SYSWARD_URL and SYSWARD_TOKEN); looked in ${path}`,
    );
  }
  return { url: normalizeConsoleUrl(url), token };
}

/** Writes the file readable by its owner only, through a temp file so a crash leaves the old one. */
export function saveCredentials(env: NodeJS.ProcessEnv, creds: Credentials): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify({ url: creds.url, token: creds.token }, null, 2)}\n`, { mode: 0o600, flag: "w" });
    // writeFileSync's mode applies only when it creates the file; a leftover temp file keeps its own.
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CliError(ExitCode.Failure, `cannot save the login in ${path}: ${(err as Error).message}`);
  }
  return path;
}

// `sysward-agent enroll <console-url> <enrollment-token> --listen host:port [--address host:port] [--ca-sha256 FP] [--insecure-http]`
import { ConfigError, parseListen } from "../config";

export interface EnrollArgs {
  consoleUrl: string;
  token: string;
  /** Where the agent's TCP listener binds (saved in listen.json). */
  listen: string;
  /** Where the console connects (its certificate names this host); defaults to listen. */
  address: string;
  /** The console CA's SHA-256 fingerprint, as the console printed it: the answer must carry that CA. */
  caSha256?: string;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

export class EnrollUsageError extends Error {}

export const ENROLL_USAGE =
  "usage: sysward-agent enroll <console-url> <enrollment-token> --listen host:port [--address host:port] [--ca-sha256 AB:CD:…]\n" +
  "  --listen     where this agent's TCP listener binds, e.g. 10.0.0.5:7443 or 0.0.0.0:7443\n" +
  "  --address    where the console connects, when --listen is a wildcard (0.0.0.0, [::])\n" +
  "  --ca-sha256  the console CA's fingerprint from the console's enrollment command\n" +
  "  --insecure-http  allow a plain http:// console URL on another host (the tokens then cross the network unencrypted)";

const WILDCARDS = new Set(["0.0.0.0", "::"]);

export function parseEnrollArgs(argv: readonly string[]): EnrollArgs {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  let insecureHttp = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--insecure-http") {
      insecureHttp = true;
      continue;
    }
    const m = /^--(listen|address|ca-sha256)(?:=(.*))?$/.exec(a);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === "") throw new EnrollUsageError(`--${m[1]} needs a value`);
      flags.set(m[1]!, value);
    } else if (a.startsWith("--")) {
      throw new EnrollUsageError(`unknown option ${a}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 2) throw new EnrollUsageError("give the console's URL and the enrollment token");
  const [consoleUrl, token] = positional as [string, string];
  let url: URL;
  try {
    url = new URL(consoleUrl);
  } catch {
    throw new EnrollUsageError(`${JSON.stringify(consoleUrl)} is not a URL (e.g. https://console.example.com)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new EnrollUsageError("the console URL must be http:// or https://");
  // The enrollment token and this agent's bearer token travel in the request: not in clear over
  // a network unless the person says so.
  if (url.protocol === "http:" && !LOOPBACK.has(url.hostname) && !insecureHttp) {
    throw new EnrollUsageError(`${consoleUrl} is plain http: the enrollment token and this agent's token would cross the network unencrypted. Use the console's https:// URL, or add --insecure-http on a network you trust`);
  }
  const listen = flags.get("listen");
  if (!listen) throw new EnrollUsageError("--listen host:port is required: where this agent's TCP listener binds");
  const check = (flag: string, value: string) => {
    try {
      return parseListen(value);
    } catch (err) {
      if (err instanceof ConfigError) throw new EnrollUsageError(`--${flag} ${JSON.stringify(value)} must be host:port, e.g. 10.0.0.5:7443 or [fd00::5]:7443`);
      throw err;
    }
  };
  const bind = check("listen", listen);
  const address = flags.get("address") ?? listen;
  const dial = check("address", address);
  if (WILDCARDS.has(dial.host)) throw new EnrollUsageError(`--listen ${listen} binds every address: add --address host:port, the address the console connects to`);
  if (bind.port === 0) throw new EnrollUsageError("--listen needs a fixed port: the console connects to it");
  const caSha256 = flags.get("ca-sha256");
  if (caSha256 !== undefined && !/^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i.test(caSha256)) throw new EnrollUsageError("--ca-sha256 must be a SHA-256 fingerprint (64 hex digits, colons allowed)");
  return { consoleUrl: url.href.replace(/\/+$/, ""), token, listen, address, caSha256 };
}

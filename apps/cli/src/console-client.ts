// The console's JSON API (/api/…) with `Authorization: Bearer <token>`: the same checks as the
// browser's session, no Origin header needed for token requests. Failures become CliErrors with
// the console's own `{ "error": … }` message.
import { CliError, authError, fetchFailure } from "./cli-error";
import type { Credentials } from "./config";
import { ExitCode, exitCodeForHttpStatus } from "./exit-codes";
import { CLI_VERSION } from "./version";

export interface AgentStatus {
  id: string;
  name: string;
  address: string;
  up: boolean;
  /** From consoles with a fleet monitor; older ones say only `up`. */
  state?: "connecting" | "up" | "down";
  since?: string;
  reason?: string;
  labels?: Record<string, string>;
  services?: number;
  failedServices?: number;
}

/** `?selector=…&state=…` from the filters that are set ("" when none). */
export function queryString(q: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export interface ConsoleRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export class ConsoleClient {
  constructor(readonly creds: Credentials) {}

  /** The token, and who is asking (the console logs the user agent). */
  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.creds.token}`, "user-agent": `sysward-cli/${CLI_VERSION}` };
  }

  url(path: string): URL {
    return new URL(`${this.creds.url}${path}`);
  }

  /** fetch against the console, with the token; network failures become exit 5. */
  async request(path: string, req: ConsoleRequest = {}): Promise<Response> {
    const init: RequestInit = {
      method: req.method ?? "GET",
      headers: { ...this.headers(), ...req.headers },
      body: req.body,
      signal: req.signal,
      redirect: "manual",
    };
    try {
      return await fetch(this.url(path), init);
    } catch (err) {
      // Ctrl-C: let main report the interruption.
      if (req.signal?.aborted) throw err;
      throw fetchFailure(this.creds.url, err);
    }
  }

  /** Throws the console's refusal as a CliError unless the answer is 2xx. */
  async check(res: Response, doing: string): Promise<Response> {
    if (res.ok) return res;
    throw await errorFromResponse(res, doing);
  }

  async getJson<T>(path: string, doing: string, signal?: AbortSignal): Promise<T> {
    const res = await this.check(await this.request(path, { signal }), doing);
    return (await res.json()) as T;
  }

  /** A JSON body (PATCH, POST…) and a JSON answer. */
  async sendJson<T>(method: string, path: string, body: unknown, doing: string, signal?: AbortSignal): Promise<T> {
    const res = await this.request(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
    return (await (await this.check(res, doing)).json()) as T;
  }

  async listAgents(filter: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<AgentStatus[]> {
    const body = await this.getJson<{ agents?: AgentStatus[] }>(`/api/agents${queryString(filter)}`, "listing agents", signal);
    if (!Array.isArray(body.agents)) throw new CliError(ExitCode.Failure, "the console's /api/agents answer has no agents list: is this a Sysward console?");
    return body.agents;
  }
}

/** `{ "error": "…" }` (or Connect's `{ code, message }`) → one line and an exit code by status. */
export async function errorFromResponse(res: Response, doing: string): Promise<CliError> {
  const text = await res.text().catch(() => "");
  let message = "";
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    message = typeof body.error === "string" ? body.error : typeof body.message === "string" ? body.message : "";
  } catch {
    // Not JSON: a proxy's error page, or not a Sysward console at all.
  }
  if (!message) {
    const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
    message = location
      ? `redirected to ${location} (is the console URL right?)`
      : `HTTP ${res.status} ${res.statusText}${text ? `: ${text.replace(/\s+/g, " ").slice(0, 120)}` : ""}`;
  }
  if (res.status === 401 || res.status === 403) return authError(res.status, message);
  return new CliError(exitCodeForHttpStatus(res.status), `${doing} failed: ${message}`);
}

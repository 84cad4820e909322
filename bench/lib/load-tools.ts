// Runs wrk, h2load and hyperfine and reads their reports.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  /** Latency percentiles in ms (wrk --latency); h2load gives only the mean. */
  p50Ms?: number;
  p99Ms?: number;
  meanMs?: number;
  /** Responses that were not 2xx, or failed requests. */
  bad: number;
  raw: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited ${code}:\n${out.slice(-2000)}`));
    });
  });
}

/** "12.34ms" / "850.00us" / "1.20s" → ms */
function parseDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "ms" ? v : m[2] === "s" ? v * 1000 : v * 60_000;
}

function parseWrk(out: string): LoadResult {
  const num = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk output lacks ${re}:\n${out}`);
    return m[1]!;
  };
  return {
    requests: Number(num(/(\d+) requests in /)),
    reqPerSec: Number(num(/Requests\/sec:\s+([\d.]+)/)),
    p50Ms: parseDuration(num(/^\s+50%\s+(\S+)/m)),
    p99Ms: parseDuration(num(/^\s+99%\s+(\S+)/m)),
    meanMs: parseDuration(num(/^\s+Latency\s+(\S+)/m)),
    bad: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + socketErrors(out),
    raw: out,
  };
}

function socketErrors(out: string): number {
  const m = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return m ? Number(m[1]) + Number(m[2]) + Number(m[3]) + Number(m[4]) : 0;
}

function parseH2load(out: string): LoadResult {
  const req = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  const fin = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out);
  const codes = /status codes: (\d+) 2xx/.exec(out);
  const time = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)/.exec(out);
  if (!req || !fin || !codes || !time) throw new Error(`h2load output not understood:\n${out}`);
  return {
    requests: Number(req[2]),
    reqPerSec: Number(fin[1]),
    meanMs: parseDuration(time[3]!),
    bad: Number(req[4]) + Number(req[5]) + (Number(req[3]) - Number(codes[1])),
    raw: out,
  };
}

export async function wrk(url: string, o: { connections: number; threads?: number; seconds: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const args = ["-t", String(o.threads ?? 2), "-c", String(o.connections), "-d", `${o.seconds}s`, "--latency", "--timeout", "5s"];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
  args.push(url);
  return parseWrk(await run("wrk", args, (o.seconds + 30) * 1000));
}

/** h2load over a Unix socket (h2c prior knowledge), e.g. straight to the agent. */
export async function h2loadUnix(socketPath: string, path: string, o: { connections: number; threads?: number; seconds: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const args = ["-t", String(o.threads ?? 2), "-c", String(o.connections), "-m", "1", "-D", String(o.seconds), `--base-uri=unix:${socketPath}`];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
  args.push(`http://localhost${path}`);
  return parseH2load(await run("h2load", args, (o.seconds + 30) * 1000));
}

/** One timed run of a shell command with hyperfine (its shell start-up subtracted); seconds. */
export async function hyperfineOnce(command: string, prepare: string, scratch: string): Promise<number> {
  const json = join(scratch, `hyperfine-${process.pid}-${Date.now()}.json`);
  await run("hyperfine", ["--runs", "1", "--style", "none", "--prepare", prepare, "--export-json", json, command], 30 * 60_000);
  try {
    const report = JSON.parse(readFileSync(json, "utf8")) as { results: Array<{ mean: number; exit_codes?: number[] }> };
    const r = report.results[0]!;
    if (r.exit_codes?.some((c) => c !== 0)) throw new Error(`hyperfine: ${command} exited ${r.exit_codes.join(",")}`);
    return r.mean;
  } finally {
    rmSync(json, { force: true });
  }
}

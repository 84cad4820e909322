// One upload through the console as a logged-in browser would send it: multipart/form-data with
// `name`, `healthSeconds`, then the file part `package`, streamed from disk by curl (so the
// client costs little CPU next to the console and the agent), with the session cookie and the
// console's Origin. Resolves when the NDJSON answer ends.
import { spawn } from "node:child_process";
import type { ConsoleRig } from "./console-rig";

export interface UploadResult {
  ms: number;
  ok: boolean;
  /** The final `result` line (or the error body). */
  result: Record<string, unknown>;
  lines: Array<Record<string, unknown>>;
}

export function uploadViaConsole(c: ConsoleRig, name: string, zipPath: string, healthSeconds = 0, timeoutMs = 15 * 60_000): Promise<UploadResult> {
  const args = [
    "-sS",
    "--no-buffer",
    "--max-time",
    String(Math.ceil(timeoutMs / 1000)),
    "-H",
    `Origin: ${c.origin}`,
    "-H",
    `Cookie: ${c.cookie}`,
    // Browsers do not wait for "100 Continue"; neither should the benchmark.
    "-H",
    "Expect:",
    "-F",
    `name=${name}`,
    "-F",
    `healthSeconds=${healthSeconds}`,
    "-F",
    `package=@${zipPath};type=application/zip`,
    `${c.baseUrl}/api/agents/local/upload`,
  ];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("curl", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`curl exited ${code} uploading ${zipPath}: ${err.trim()} ${out.slice(-500)}`));
      const lines: Array<Record<string, unknown>> = [];
      for (const l of out.split("\n")) {
        if (!l.trim()) continue;
        try {
          lines.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          return reject(new Error(`upload answered something that is not NDJSON: ${out.slice(0, 500)}`));
        }
      }
      const result = lines.findLast((l) => l.type === "result") ?? lines.at(-1) ?? {};
      resolve({ ms, ok: result.type === "result" && result.ok === true, result, lines });
    });
  });
}

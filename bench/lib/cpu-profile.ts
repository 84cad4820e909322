// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time per function and per area, so a
// report can say where a process spent its time. The profiler samples wall time on the main
// thread: "(idle)" is the event loop waiting (on the network, or on fs and zlib work in libuv's
// thread pool), and on a loaded machine time spent descheduled lands on whatever was running.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  functions: Array<{ name: string; where: string; ms: number }>;
  areas: Array<{ area: string; ms: number }>;
}

/** Native functions that are fs bindings (their work is a syscall, often in the thread pool). */
const FS_BINDINGS = new Set(["writeBuffer", "writeBuffers", "writeString", "read", "open", "openFileHandle", "close", "mkdir", "fsync", "fdatasync", "rename", "unlink", "rmdir", "lstat", "stat", "fstat", "readdir", "realpath"]);

export function areaOf(name: string, url: string): string {
  if (name === "(idle)") return "idle (waiting: network, thread pool)";
  if (name === "(garbage collector)") return "garbage collection";
  if (name === "(program)" || name === "(root)") return "V8/native (unattributed)";
  if (!url && FS_BINDINGS.has(name)) return "fs calls (binding)";
  if (!url && (name === "update" || name === "digest" || name.startsWith("Hash"))) return "sha256";
  const u = url.toLowerCase();
  if (u.includes("busboy") || u.includes("streamsearch")) return "busboy (multipart)";
  if (u.includes("@connectrpc")) return "Connect (RPC framing)";
  if (u.includes("@bufbuild/protobuf") || u.includes("proto/gen")) return "protobuf";
  if (u.includes("yauzl") || u.includes("zip-verify-extract") || u.includes("bounded-zip-reader")) return "yauzl / extraction";
  if (u.includes("node:zlib")) return "zlib (inflate, crc32)";
  if (u.includes("crypto")) return "sha256";
  if (u.includes("http2")) return "HTTP/2";
  if (u.includes("node:_http") || u.includes("node:http") || u.includes("internal/http")) return "HTTP/1.1 server";
  if (u.includes("webstreams")) return "web streams";
  if (u.includes("node:internal/streams") || u.includes("node:stream")) return "Node streams";
  if (u.includes("node:internal/fs") || u.includes("node:fs")) return "fs (JS side)";
  if (u.includes("next/dist") || u.includes("next-server") || u.includes("/node_modules/next/")) return "Next.js";
  if (u.includes("better-sqlite3") || u.includes("pino")) return "sqlite / logging";
  if (u.includes(".next-bench/") || u.includes("apps/console")) return "console app code";
  if (u.includes("apps/agent")) return "agent code";
  if (u.startsWith("node:")) return "Node internals (other)";
  return url ? "other JS" : "native (other)";
}

/** Now on the clock V8's profiler stamps samples with (CLOCK_MONOTONIC, µs), shared by all processes. */
export function profilerClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Self time per function and area; with `window` (profilerClockUs() values), only the samples taken within it. */
export function summarizeProfile(file: string, top = 15, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  let at = p.startTime;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fns = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]!);
    const d = p.timeDeltas[i] ?? 0;
    at += d;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    if (!node || d <= 0) continue;
    total += d;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    const where = url ? `${url.replace(/^file:\/\//, "").replace(/^.*node_modules\//, "").replace(/^.*\/work\/main\//, "")}:${lineNumber + 1}` : "native";
    const key = `${name}@${where}`;
    const f = fns.get(key) ?? { name, where, us: 0 };
    f.us += d;
    fns.set(key, f);
    const area = areaOf(name, url);
    areas.set(area, (areas.get(area) ?? 0) + d);
  }
  return {
    totalMs: total / 1000,
    functions: [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000 })),
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: us / 1000 })),
  };
}

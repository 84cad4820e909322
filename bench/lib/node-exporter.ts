// Our own prometheus-node-exporter on a free loopback port (never the system service on :9100),
// with its default collectors. --web.max-requests=0 lifts its default cap of 40 scrapes in
// flight (the 41st gets a 503), so that 50 connections measure its throughput, not its refusals.
import type { ProcessSet, Tracked } from "./processes";

export interface NodeExporter {
  proc: Tracked;
  pid: number;
  metricsUrl: string;
}

export async function startNodeExporter(procs: ProcessSet, port: number): Promise<NodeExporter> {
  const proc = procs.spawn("node-exporter", "prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${port}`, "--web.max-requests=0"]);
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const deadline = Date.now() + 20_000;
  while ((await fetch(metricsUrl).then(async (r) => (await r.arrayBuffer(), r.status), () => 0)) !== 200) {
    if (!proc.running() || Date.now() > deadline) throw new Error(`node_exporter did not serve ${metricsUrl}:\n${proc.output(4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, pid: proc.pid, metricsUrl };
}

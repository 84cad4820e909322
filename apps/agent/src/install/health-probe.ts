// One attempt of a manifest's health probe: an HTTP GET that must answer 2xx/3xx, or a TCP
// connect that must succeed. Each attempt is bounded by a timeout.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { HealthProbe } from "./manifest";

export type ProbeResult = { ok: true } | { ok: false; error: string };

export async function probeOnce(probe: HealthProbe, timeoutMs = 1000): Promise<ProbeResult> {
  if (probe.http) return httpProbe(probe.http, timeoutMs);
  if (probe.tcp) return tcpProbe(probe.tcp, timeoutMs);
  return { ok: true };
}

export function describeProbe(probe: HealthProbe): string {
  return probe.http ? `GET ${probe.http}` : `TCP ${probe.tcp}`;
}

function httpProbe(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = (url.startsWith("https:") ? httpsRequest : httpRequest)(url, { method: "GET", agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? { ok: true } : { ok: false, error: `HTTP ${status}` });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => resolve({ ok: false, error: err.message }));
    req.end();
  });
}

function tcpProbe(hostPort: string, timeoutMs: number): Promise<ProbeResult> {
  const i = hostPort.lastIndexOf(":");
  const host = hostPort.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  const port = Number(hostPort.slice(i + 1));
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.once("connect", () => {
      sock.destroy();
      resolve({ ok: true });
    });
    sock.once("timeout", () => sock.destroy(new Error(`no connection within ${timeoutMs} ms`)));
    sock.once("error", (err) => resolve({ ok: false, error: err.message }));
  });
}

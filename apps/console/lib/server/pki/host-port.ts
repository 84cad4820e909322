import "server-only";
// "10.0.0.5:7443", "[fd00::5]:7443", "box.example.com:7443": where the console dials an enrolled
// agent. A wildcard (0.0.0.0, ::) is where an agent listens, never where anyone connects.
import { isIP } from "node:net";

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(value: string): HostPort | string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) return `${JSON.stringify(value)} must be host:port, e.g. 10.0.0.5:7443 or [fd00::5]:7443`;
  const host = (m[1] ?? m[2])!;
  if (m[1] && isIP(host) !== 6) return `${JSON.stringify(value)}: [${host}] is not an IPv6 address`;
  if (host === "0.0.0.0" || host === "::" || host === "[::]") return `${JSON.stringify(value)} is a wildcard: give the address the console should connect to`;
  return { host, port };
}

export function httpsAddress({ host, port }: HostPort): string {
  return `https://${isIP(host) === 6 ? `[${host}]` : host.toLowerCase()}:${port}`;
}

import "server-only";
// Where an agent listens, and how to open an HTTP/2 connection to it. The transport is chosen by
// the address's scheme, so a new one slots in here only:
//  - unix:///path/agent.sock — h2c with prior knowledge on the agent's private socket;
//  - https://host:port       — the agent's opt-in TCP listener: TLS with a client certificate;
//  - ssh://user@host:port/path/agent.sock — the agent's socket on another machine, reached through
//    the console's SSH connection to it (direct-streamlocal channels, h2c inside).
import { Code, ConnectError } from "@connectrpc/connect";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import { checkAgentCertificate } from "../pki/agent-certificate-check";
import type { AgentCredential } from "./agent-credential";
import { sshLinkFor } from "./ssh/machine-links";
import type { SshTarget } from "./ssh/ssh-link";

export type AgentAddress = { kind: "unix"; socketPath: string } | { kind: "https"; url: URL } | { kind: "ssh"; target: SshTarget; socketPath: string };

export function parseAgentAddress(address: string): AgentAddress {
  if (address.startsWith("unix://")) {
    const socketPath = decodeURIComponent(address.slice("unix://".length));
    if (!socketPath.startsWith("/")) throw new Error(`agent address ${JSON.stringify(address)}: use unix:///absolute/path/agent.sock`);
    return { kind: "unix", socketPath };
  }
  if (address.startsWith("https://")) {
    const url = new URL(address);
    if (url.pathname !== "/" || url.search || url.hash) throw new Error(`agent address ${JSON.stringify(address)}: use https://host:port with no path`);
    return { kind: "https", url };
  }
  if (address.startsWith("ssh://")) return parseSshAddress(address);
  throw new Error(`agent address ${JSON.stringify(address)}: expected unix:///path/agent.sock, https://host:port or ssh://user@host:port/path/agent.sock`);
}

function parseSshAddress(address: string): AgentAddress {
  const bad = (why: string) => new Error(`agent address ${JSON.stringify(address)}: ${why} (ssh://user@host:port/path/agent.sock)`);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw bad("not a URL");
  }
  const user = decodeURIComponent(url.username);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const socketPath = decodeURIComponent(url.pathname);
  if (!user || url.password) throw bad("a user and no password");
  if (!host) throw bad("a host");
  if (!socketPath.startsWith("/") || socketPath === "/" || url.search || url.hash) throw bad("the absolute path of the agent's socket");
  return { kind: "ssh", target: { user, host, port: Number(url.port || 22) }, socketPath };
}

export function sshAddress(target: SshTarget, socketPath: string): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return `ssh://${encodeURIComponent(target.user)}@${host}:${target.port}${socketPath.split("/").map(encodeURIComponent).join("/")}`;
}

export function unixAddress(socketPath: string): string {
  return `unix://${socketPath}`;
}

export interface Http2Target {
  /** The origin http2.connect() is given (for a socket only the authority's shape matters). */
  url: string;
  options: http2.ClientSessionOptions | http2.SecureClientSessionOptions;
}

/** How to reach agent `agentId` over HTTP/2. */
export function http2TargetFor(agentId: string, address: AgentAddress, credential: AgentCredential): Http2Target {
  switch (address.kind) {
    case "unix":
      return { url: "http://localhost", options: { createConnection: () => net.connect(address.socketPath) } };
    case "https": {
      if (credential.kind !== "mtls") {
        throw new ConnectError(`agent at ${address.url.origin}: an https agent needs an "mtls" credential (CA, client certificate and key, and its token)`, Code.FailedPrecondition);
      }
      // Read when the connection is made, so renewed certificates are picked up on reconnect.
      const read = (p: string) => readFileSync(p);
      const host = address.url.hostname.replace(/^\[(.*)\]$/, "$1");
      const tlsOptions: tls.ConnectionOptions = {
        host,
        port: Number(address.url.port || 443),
        servername: net.isIP(host) ? undefined : host,
        ALPNProtocols: ["h2"],
        secureContext: sharedSecureContext(read(credential.caPath), read(credential.certPath), read(credential.keyPath)),
        // The certificate issued to this agent, not another's, and not a removed agent's (pki/).
        checkServerIdentity: (hostname, cert) => checkAgentCertificate(agentId, hostname, cert),
      };
      return { url: address.url.origin, options: { createConnection: () => tlsWithHandshakeDeadline(tlsOptions, address.url.origin) } };
    }
    case "ssh": {
      if (credential.kind !== "token") throw new ConnectError(`agent at ${address.target.host}: an agent over SSH needs a "token" credential`, Code.FailedPrecondition);
      const link = sshLinkFor(address.target);
      // Each HTTP/2 connection is one channel on the machine's shared SSH connection.
      return { url: "http://localhost", options: { createConnection: () => link.openStreamLocal(address.socketPath) } };
    }
  }
}

/** Distinct client credentials remembered; more (a console with that many CAs or client certificates) are built anew. */
const MAX_SECURE_CONTEXTS = 64;
const KEY = Symbol.for("sysward.console.agentSecureContexts");
type Holder = { [KEY]?: Map<string, tls.SecureContext> };

/**
 * One SecureContext for every connection with the same CA, certificate and key (usually the whole
 * fleet: the console's one client certificate). tls.connect() given ca/cert/key builds one per
 * connection — its own parsed CA store, certificate and key: ~35 KiB of native memory each
 * (bench/fleet-transport-cost.ts: 118–124 KiB a connection with two open streams, 86–88 KiB with
 * one shared context, 41 KiB for h2c on a Unix socket).
 */
function sharedSecureContext(ca: Buffer, cert: Buffer, key: Buffer): tls.SecureContext {
  const id = createHash("sha256").update(ca).update("\0").update(cert).update("\0").update(key).digest("hex");
  const cache = ((globalThis as Holder)[KEY] ??= new Map());
  let ctx = cache.get(id);
  if (!ctx) {
    ctx = tls.createSecureContext({ ca, cert, key, minVersion: "TLSv1.3" });
    if (cache.size >= MAX_SECURE_CONTEXTS) cache.delete(cache.keys().next().value!);
    cache.set(id, ctx);
  }
  return ctx;
}

/** A frozen agent accepts TCP but never finishes TLS: give up, so the connection is retried later. */
const HANDSHAKE_TIMEOUT_MS = 5_000;

function tlsWithHandshakeDeadline(options: tls.ConnectionOptions, origin: string): tls.TLSSocket {
  const socket = tls.connect(options);
  const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake with the agent at ${origin} within ${HANDSHAKE_TIMEOUT_MS / 1000} s`)), HANDSHAKE_TIMEOUT_MS);
  const done = () => clearTimeout(timer);
  socket.once("secureConnect", done);
  socket.once("close", done);
  return socket;
}

// Real packages for tests: a tiny shell-script service and a tiny Node HTTP service, as ZIP
// bytes built with zip-builder.ts. Shared by the install, RPC, e2e and reliability tests.
import { createServer } from "node:net";
import { buildZip, type ZipEntrySpec } from "./zip-builder";

export interface ShellServiceOptions {
  /** sysward.json content; without it the script is the root file named like the package. */
  manifest?: Record<string, unknown>;
  /** Where the script goes when a manifest names it (default "bin/run"). */
  execPath?: string;
  /** More entries to add (data files, hostile entries...). */
  extra?: ZipEntrySpec[];
}

/** A package whose executable is `#!/bin/sh` + `body`. */
export function shellServiceZip(name: string, body: string, opts: ShellServiceOptions = {}): Buffer {
  const execPath = opts.manifest ? (opts.execPath ?? "bin/run") : name;
  const manifest = opts.manifest ? { exec: execPath, ...opts.manifest } : undefined;
  const entries: ZipEntrySpec[] = [{ name: execPath, data: `#!/bin/sh\n${body}\n`, mode: 0o100755 }];
  if (manifest) entries.push({ name: "sysward.json", data: JSON.stringify(manifest) });
  entries.push(...(opts.extra ?? []));
  return buildZip(entries);
}

/** Script bodies for shellServiceZip. */
export const shellBodies = {
  /** Prints `<tag> started` and a line per second; stays up. */
  steady: (tag: string) => `echo "${tag} started"; echo "${tag} stderr" >&2; i=0; while :; do i=$((i+1)); echo "${tag} tick $i"; sleep 1; done`,
  /** Prints `lines` numbered lines, then exits with `code` (a broken version). */
  broken: (tag: string, lines = 3, code = 3) =>
    `i=1; while [ $i -le ${lines} ]; do echo "${tag} failing line $i"; i=$((i+1)); done; sleep 0.3; exit ${code}`,
  /** Stays up for `seconds`, then crashes. */
  crashesAfter: (tag: string, seconds: number) => `echo "${tag} up"; sleep ${seconds}; echo "${tag} crashing"; exit 7`,
} as const;

export interface NodeHttpServiceOptions {
  port: number;
  /** Text of GET / (default "hello from NAME"). */
  body?: string;
  /** Path the manifest's probe uses (default /healthz). */
  probePath?: string;
  /** Answer the probe with 500 instead of 200. */
  unhealthy?: boolean;
}

/** A package with sysward.json (exec bin/server, an HTTP probe) and a Node HTTP server on `port`. */
export function nodeHttpServiceZip(name: string, o: NodeHttpServiceOptions): Buffer {
  const server = `#!/usr/bin/env node
const http = require("node:http");
const port = Number(process.env.PORT);
http.createServer((req, res) => {
  if (req.url === "/healthz") { res.statusCode = ${o.unhealthy ? 500 : 200}; res.end("${o.unhealthy ? "sick" : "ok"}"); return; }
  res.end(${JSON.stringify(o.body ?? `hello from ${name}`)});
}).listen(port, "127.0.0.1", () => console.log("listening on " + port));
`;
  return buildZip([
    { name: "bin/", dir: true },
    { name: "bin/server", data: server, mode: 0o100755 },
    {
      name: "sysward.json",
      data: JSON.stringify({
        exec: "bin/server",
        env: { PORT: String(o.port) },
        health: { http: `http://127.0.0.1:${o.port}${o.probePath ?? "/healthz"}` },
      }),
    },
  ]);
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/** Splits bytes into chunks, as a client stream would send them. */
export async function* chunked(bytes: Uint8Array, size = 64 * 1024): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

// ZIP packages for the deploy specs, written in memory with the installer's own ZIP writer so
// the hostile one can say exactly what it contains.
import { dirname } from "node:path";
import { buildZip } from "../../apps/agent/src/install/testing/zip-builder";

// Services get a minimal PATH; add the directory of the node running the tests so `env node` finds it
// wherever node is installed.
const PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

/**
 * A small HTTP service: `bin/hello` (a `#!/usr/bin/env node` script) listens on 127.0.0.1:`port`,
 * prints a startup line and answers every request with `hello from <version>`. sysward.json passes
 * the port and version through env.
 */
export function helloServicePackage(opts: { port: number; version: string }): Buffer {
  const server = `#!/usr/bin/env node
const http = require("node:http");
const port = Number(process.env.HELLO_PORT);
const version = process.env.HELLO_VERSION;
http
  .createServer((req, res) => res.end("hello from " + version + "\\n"))
  .listen(port, "127.0.0.1", () => console.log("hello " + version + " listening on 127.0.0.1:" + port));
process.on("SIGTERM", () => process.exit(0));
`;
  const manifest = { exec: "bin/hello", env: { PATH, HELLO_PORT: String(opts.port), HELLO_VERSION: opts.version } };
  return buildZip([
    { name: "sysward.json", data: JSON.stringify(manifest) },
    { name: "bin/", dir: true },
    // CommonJS on purpose: the package has no package.json, so node treats bin/hello as a script.
    { name: "bin/hello", data: server, mode: 0o100755 },
  ]);
}

/** A version that dies at once with a recognisable line on stderr: the health window must catch it. */
export function crashingServicePackage(opts: { message: string }): Buffer {
  const script = `#!/bin/sh\necho "${opts.message}" >&2\nexit 3\n`;
  return buildZip([
    { name: "sysward.json", data: JSON.stringify({ exec: "bin/start" }) },
    { name: "bin/start", data: script, mode: 0o100755 },
  ]);
}

/** A zip-slip attempt: an honest-looking service plus an entry that climbs out with `../evil`. */
export function pathEscapePackage(): Buffer {
  return buildZip([
    { name: "sysward.json", data: JSON.stringify({ exec: "bin/start" }) },
    { name: "bin/start", data: "#!/bin/sh\nsleep 60\n", mode: 0o100755 },
    { name: "../evil", data: "escaped\n" },
  ]);
}

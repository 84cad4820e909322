#!/usr/bin/env node
// Starts the built console (after `next build`) on SYSWARD_CONSOLE_HOST:PORT (127.0.0.1:3000).
//
// A thin custom server in front of Next (scripts/console-server.mjs): forwarded-header hygiene
// and timeouts, which Next's own server does not have.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { consoleServerOptions, createConsoleServer } from "./console-server.mjs";

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const host = process.env.SYSWARD_CONSOLE_HOST || "127.0.0.1";
const port = Number(process.env.PORT || 3000);
// Read before Next starts: a bad value stops the console at once.
const options = consoleServerOptions();

process.env.NODE_ENV = "production";
const app = next({ dev: false, dir, hostname: host, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createConsoleServer(handle, options);
server.listen(port, host, () => console.log(`Sysward console: listening on http://${host}:${port}`));

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

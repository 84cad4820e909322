#!/usr/bin/env node
// Starts the built console (after `next build`) on SYSWARD_CONSOLE_HOST:PORT (127.0.0.1:3000).
//
// A thin custom server in front of Next (scripts/console-server.mjs): forwarded-header hygiene
// and timeouts, which Next's own server does not have, and the agent proxy's paths answered
// before Next's router.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { consoleServerOptions, createConsoleServer, registeredEarlyRoutes } from "./console-server.mjs";

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const host = process.env.SYSWARD_CONSOLE_HOST || "127.0.0.1";
const port = Number(process.env.PORT || 3000);
// Read before Next starts: a bad value stops the console at once.
const options = consoleServerOptions();

process.env.NODE_ENV = "production";
const app = next({ dev: false, dir, hostname: host, port });
const handle = app.getRequestHandler();
await app.prepare();

// The agent proxy's paths, answered before Next's router (instrumentation.ts registered them).
const server = createConsoleServer(handle, options, registeredEarlyRoutes);
server.listen(port, host, () => console.log(`Sysward console: listening on http://${host}:${port}`));

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    // process.exitCode: set by whoever stops the console on purpose (scripts/start.mjs at the repo root, when its agent exits).
    server.close(() => process.exit());
    server.closeAllConnections();
  });
}

#!/usr/bin/env node
// Starts the built console (after `next build`) on SYSWARD_CONSOLE_HOST:PORT (127.0.0.1:3000).
//
// A thin custom server in front of Next, for one reason: Next keeps any X-Forwarded-For a client
// sends, and the console's login throttle keys on the client's address. Unless
// SYSWARD_TRUST_PROXY=1 says a reverse proxy in front sets these headers, the client's own
// forwarded headers are dropped and X-Forwarded-For becomes the socket's peer address.
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const host = process.env.SYSWARD_CONSOLE_HOST || "127.0.0.1";
const port = Number(process.env.PORT || 3000);
const trustProxy = /^(1|true|yes)$/i.test(process.env.SYSWARD_TRUST_PROXY ?? "");
const FORWARDED = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip"];

process.env.NODE_ENV = "production";
const app = next({ dev: false, dir, hostname: host, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  if (!trustProxy) {
    for (const h of FORWARDED) delete req.headers[h];
    req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
  }
  void handle(req, res);
});
// Uploads of large packages take as long as they take; Node's default 5-minute request timeout
// would cut them off.
server.requestTimeout = 0;
server.listen(port, host, () => console.log(`Sysward console: listening on http://${host}:${port}`));

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

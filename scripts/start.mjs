// `npm start`: build, then run the local agent and the console together until Ctrl-C.
// The console prints the admin password on its first start (or uses SYSWARD_ADMIN_PASSWORD).
//
// After the build this process becomes the console itself (it loads apps/console/scripts/start.mjs)
// and supervises the agent as its one child: no launcher process stays behind holding memory
// (a separate launcher was ~45 MB of RSS doing nothing). Ctrl-C stops both, and either one
// exiting stops the other. `npm start` gives this process --max-semi-space-size=4 (package.json):
// V8's default young generation, grown to 2 × 16 MB at start-up and kept, was ~10 MB of the
// console's idle RSS.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const env = process.env;
env.SYSWARD_DATA_DIR ||= join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "sysward");
const host = env.SYSWARD_CONSOLE_HOST || "127.0.0.1";
const port = env.PORT || "3000";

if (env.SYSWARD_SKIP_BUILD !== "1") {
  console.log("sysward: building the agent and the console (set SYSWARD_SKIP_BUILD=1 to skip)…");
  const b = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", env });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

let agent;
let agentExited;
function run(name, cmd, args, opts) {
  const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env, ...opts });
  agent = child;
  agentExited = new Promise((r) => child.once("exit", r));
  child.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`sysward: the ${name} exited (${signal ?? code}); stopping.`);
    process.exitCode = code || 1;
    // The console's own SIGTERM handler closes its server and exits with process.exitCode.
    if (consoleReady) process.kill(process.pid, "SIGTERM");
    else process.exit(process.exitCode);
  });
  return child;
}

let stopping = false;
let consoleReady = false;
function stop() {
  if (stopping) return;
  stopping = true;
  if (agent.exitCode === null && agent.signalCode === null) agent.kill("SIGTERM");
  // Once loaded, the console's own handler for the same signal closes its server and exits;
  // before that there is nothing else to close.
  if (!consoleReady) void agentExited.then(() => process.exit());
  // Waiting on the agent cannot hang the exit: after 5 s it goes anyway.
  setTimeout(() => process.exit(), 5000).unref();
}
// `on`, not `once`: a second Ctrl-C while stopping must not kill this process before the agent is told.
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// Whatever ends this process — a signal, a crash of the console — the agent goes with it.
process.once("exit", () => {
  if (agent.exitCode === null && agent.signalCode === null) agent.kill("SIGTERM");
});

// A 2 MB young generation: under many streams V8 otherwise grows it and keeps it (bench: agent RSS
// 90 → 132 MB with 100 WatchPerf watchers, none of it live data).
run("agent", process.execPath, [...(await import("../apps/agent/node-flags.mjs")).agentNodeFlags, join(root, "apps/agent/dist/agent.mjs")], { cwd: root });
const socket = join(env.SYSWARD_DATA_DIR, "agent.sock");
const deadline = Date.now() + 15_000;
while (!existsSync(socket) && !stopping) {
  if (Date.now() > deadline) {
    console.error(`sysward: the agent did not open ${socket}`);
    process.exitCode = 1;
    stop();
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
if (!stopping) {
  env.SYSWARD_CONSOLE_HOST = host;
  env.PORT = port;
  // The console runs from its own directory, as `npm start -w @sysward/console` would.
  process.chdir(join(root, "apps/console"));
  // Its SIGINT/SIGTERM handlers take over from here (they run after ours, which stops the agent).
  await import(join(root, "apps/console/scripts/start.mjs"));
  consoleReady = true;
  console.log(
    `\nsysward: console on http://localhost:${port} (bound to ${host}); agent socket ${socket}\n` +
      `sysward: log in as "admin" with the password printed by the console on its first start` +
      (env.SYSWARD_ADMIN_PASSWORD ? " (SYSWARD_ADMIN_PASSWORD is set: that one)" : "") +
      `;\n         forgot it? stop, then \`npm run reset-admin-password\` prints a new one. Ctrl-C stops both.\n`,
  );
}

// `npm start`: build, then run the local agent and the console together until Ctrl-C.
// The console prints the admin password on its first start (or uses SYSWARD_ADMIN_PASSWORD).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const env = { ...process.env };
env.SYSWARD_DATA_DIR ||= join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "sysward");
const host = env.SYSWARD_CONSOLE_HOST || "127.0.0.1";
const port = env.PORT || "3000";

if (env.SYSWARD_SKIP_BUILD !== "1") {
  console.log("sysward: building the agent and the console (set SYSWARD_SKIP_BUILD=1 to skip)…");
  const b = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", env });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const children = [];
function run(name, cmd, args, opts) {
  const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env, ...opts });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`sysward: the ${name} exited (${signal ?? code}); stopping.`);
      stop(code ?? 1);
    }
  });
  return child;
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 5000).unref();
  // Waiting on "exit" events cannot reject; the timer above is the fallback if one never comes.
  void Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null))).then(() => process.exit(code));
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

// A 2 MB young generation: under many streams V8 otherwise grows it and keeps it (bench: agent RSS
// 90 → 132 MB with 100 WatchPerf watchers, none of it live data).
run("agent", process.execPath, [...(await import("../apps/agent/node-flags.mjs")).agentNodeFlags, join(root, "apps/agent/dist/agent.mjs")], { cwd: root });
const socket = join(env.SYSWARD_DATA_DIR, "agent.sock");
const deadline = Date.now() + 15_000;
while (!existsSync(socket)) {
  if (Date.now() > deadline || stopping) {
    console.error(`sysward: the agent did not open ${socket}`);
    stop(1);
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
if (!stopping) {
  env.SYSWARD_CONSOLE_HOST = host;
  env.PORT = port;
  run("console", process.execPath, [join(root, "apps/console/scripts/start.mjs")], { cwd: join(root, "apps/console") });
  console.log(
    `\nsysward: console on http://localhost:${port} (bound to ${host}); agent socket ${socket}\n` +
      `sysward: log in as "admin" with the password printed by the console on its first start` +
      (env.SYSWARD_ADMIN_PASSWORD ? " (SYSWARD_ADMIN_PASSWORD is set: that one)" : "") +
      `;\n         forgot it? stop, then \`npm run reset-admin-password\` prints a new one. Ctrl-C stops both.\n`,
  );
}

// Playwright's webServer: the real agent and the real console (production build) on a fresh temp dir.
// Builds first when the build is missing or older than its sources, starts the agent, waits for its
// socket, starts the console's own production server (apps/console/scripts/start.mjs: Next behind the
// console's timeouts and forwarded-header hygiene), then stays in the foreground until Playwright sends SIGTERM. On the way
// out it stops both, kills whatever services the agent left running (supervised services outlive
// their agent by design) and removes the temp dir. Logs go to files, not the test output.
//
// Env (set by playwright.config.ts): SYSWARD_E2E_ROOT (the temp dir to create), SYSWARD_E2E_LOG_DIR,
// SYSWARD_DATA_DIR, SYSWARD_CONSOLE_DATA_DIR, SYSWARD_ADMIN_PASSWORD, PORT; optional NEXT_DIST_DIR,
// SYSWARD_E2E_KEEP=1 (keep the temp dir), SYSWARD_E2E_SKIP_BUILD=1.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { agentNodeFlags } from "../../apps/agent/node-flags.mjs";

const repo = resolve(import.meta.dirname, "../..");
const env = process.env;

function need(name) {
  const v = env[name];
  if (!v) fail(`${name} is unset; start the suite with \`npx playwright test\``);
  return v;
}
function say(msg) {
  process.stdout.write(`e2e-stack: ${msg}\n`);
}
function fail(msg) {
  process.stderr.write(`e2e-stack: ${msg}\n`);
  process.exit(1);
}

const root = need("SYSWARD_E2E_ROOT");
const logDir = need("SYSWARD_E2E_LOG_DIR");
const agentDataDir = need("SYSWARD_DATA_DIR");
const consoleDataDir = need("SYSWARD_CONSOLE_DATA_DIR");
need("SYSWARD_ADMIN_PASSWORD");
const port = need("PORT");
const distDir = env.NEXT_DIST_DIR || ".next";

// ---- build when stale ------------------------------------------------------------------------------

/** Newest mtime of the files under `paths`, skipping tests, docs, dependencies and build output. */
function newestMtime(paths) {
  let newest = 0;
  const walk = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (name === "node_modules" || name.startsWith(".next") || name === "dist") continue;
        walk(join(p, name));
      }
    } else if (!/\.test\.tsx?$|\.md$|next-env\.d\.ts$/.test(p)) {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  paths.forEach((p) => walk(join(repo, p)));
  return newest;
}
function mtime(path) {
  try {
    return statSync(join(repo, path)).mtimeMs;
  } catch {
    return 0;
  }
}
function build(what, workspace, sources, output) {
  if (env.SYSWARD_E2E_SKIP_BUILD === "1" && mtime(output) > 0) return;
  if (mtime(output) > newestMtime(sources)) return say(`${what} build is fresh (${output})`);
  say(`building the ${what} (${output} is missing or older than its sources)…`);
  const r = spawnSync("npm", ["run", "build", "-w", workspace], { cwd: repo, stdio: ["ignore", "inherit", "inherit"], env });
  if (r.status !== 0) fail(`the ${what} build failed (exit ${r.status ?? r.signal})`);
}

const shared = ["proto/gen", "package-lock.json"];
build("agent", "@sysward/agent", ["apps/agent/src", "apps/agent/build.mjs", "apps/agent/package.json", ...shared], "apps/agent/dist/agent.mjs");
build("console", "@sysward/console", ["apps/console", ...shared], `apps/console/${distDir}/BUILD_ID`);

// ---- start -----------------------------------------------------------------------------------------

if (existsSync(root)) fail(`${root} already exists; every run needs a fresh dir`);
mkdirSync(agentDataDir, { recursive: true, mode: 0o700 });
mkdirSync(consoleDataDir, { recursive: true, mode: 0o700 });
mkdirSync(logDir, { recursive: true });

const children = new Map(); // name → ChildProcess
let stopping = false;

function run(name, args, cwd) {
  const logPath = join(logDir, `${name}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  children.set(name, child);
  child.on("exit", (code, signal) => {
    children.delete(name);
    if (stopping) return;
    const tail = readTail(logPath);
    process.stderr.write(`e2e-stack: the ${name} exited (${signal ?? code}); last lines of ${logPath}:\n${tail}\n`);
    void shutdown(1);
  });
  return child;
}

function readTail(path, lines = 30) {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

run("agent", [...agentNodeFlags, join(repo, "apps/agent/dist/agent.mjs")], repo);
const socket = join(agentDataDir, "agent.sock");
const deadline = Date.now() + 20_000;
while (!existsSync(socket)) {
  if (stopping) break;
  if (Date.now() > deadline) {
    process.stderr.write(`e2e-stack: the agent did not open ${socket} within 20 s\n${readTail(join(logDir, "agent.log"))}\n`);
    await shutdown(1);
  }
  await new Promise((r) => setTimeout(r, 50));
}
if (!stopping) {
  // What production runs, not `next start`: the same server, with the same timeouts and headers.
  run("console", [join(repo, "apps/console/scripts/start.mjs")], join(repo, "apps/console"));
  say(`agent on ${socket}, console on http://127.0.0.1:${port}; logs in ${logDir}`);
}

// ---- stop ------------------------------------------------------------------------------------------

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      r();
    }, ms);
    child.once("exit", () => {
      clearTimeout(t);
      r();
    });
  });
}

/**
 * Pids of the services the agent started: their command line or cwd is in this run's temp dir, or
 * the agent gave them a state dir there. (Not any process whose env merely mentions the dir: the
 * Playwright runner's does.)
 */
function strayPids() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid || Number(entry) === process.ppid) continue;
    const dir = `/proc/${entry}`;
    let hit = false;
    try {
      hit = readFileSync(`${dir}/cmdline`, "utf8").includes(root) || readlinkSync(`${dir}/cwd`).startsWith(root);
      if (!hit) hit = readFileSync(`${dir}/environ`, "utf8").includes(`SYSWARD_STATE_DIR=${root}/`);
    } catch {
      // gone, or not ours to read
    }
    if (hit) pids.push(Number(entry));
  }
  return pids;
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  // The console first (it holds connections to the agent), then the agent.
  for (const name of ["console", "agent"]) {
    const child = children.get(name);
    if (!child) continue;
    child.kill("SIGTERM");
    await waitExit(child, 8_000);
  }
  const stray = strayPids();
  for (const pid of stray) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  if (stray.length) say(`killed ${stray.length} service process(es) the agent left running: ${stray.join(", ")}`);
  if (env.SYSWARD_E2E_KEEP === "1") say(`kept ${root} (SYSWARD_E2E_KEEP=1)`);
  else rmSync(root, { recursive: true, force: true });
  process.exit(code);
}

process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));
process.on("SIGHUP", () => void shutdown(0));

// A hostile package for the isolation tests: a Node service that tries, one by one, to get at
// what a deployed package must never reach (the agent's token, socket, TLS key and environment,
// a console's database and CA key on the same host, another package's state dir and processes,
// the system, privileges) and does what it legitimately needs (its state dir, a TCP port, its own
// files, name resolution). Each attempt prints one `ESCAPE-KIT {json}` line; the tests read them
// through the agent's Logs, whichever runtime ran it, and assert every result on its own.
import { readFileSync } from "node:fs";
import { buildZip } from "../../install/testing/zip-builder";

/** Paths and pids on the machine that the kit goes after: the test knows them, the kit is told. */
export interface EscapeTargets {
  agentToken: string;
  agentSocket: string;
  agentTlsKey: string;
  /** The agent's pid: its /proc/PID/environ. */
  agentPid: number;
  consoleDb: string;
  consoleCaKey: string;
  /** Another package's state dir (a file `secret` in it) and the pid of its running service. */
  otherStateDir: string;
  otherPid: number;
  otherName: string;
  /** A directory on the host's /tmp: a file written there would be outside the package. */
  hostTmpDir: string;
}

export const ATTACKS = [
  "read the agent's token",
  "connect to the agent's socket",
  "read the agent's TLS key",
  "read the agent's environment",
  "read the console's database",
  "read the console's CA key",
  "read another package's state",
  "write into another package's state",
  "see another service's processes",
  "read another service's memory (ptrace access)",
  "signal the agent or another service",
  "write into its own version dir",
  "write into the system (/usr, /etc)",
  "write into the host's /tmp",
  "gain root through a setuid file in the ZIP",
  "hold capabilities or lack NO_NEW_PRIVS",
] as const;

export const NEEDS = ["write its state dir", "read its own files", "bind a TCP port", "resolve a name", "write its /tmp"] as const;

export type Attack = (typeof ATTACKS)[number];
export type Need = (typeof NEEDS)[number];

export interface KitResult {
  attempt: Attack | Need;
  /** For an attack: it got through. For a need: it worked. */
  succeeded: boolean;
  detail: string;
}

const KIT = String.raw`#!/usr/bin/env node
"use strict";
const fs = require("node:fs");
const net = require("node:net");
const dns = require("node:dns");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const t = JSON.parse(fs.readFileSync(path.join(__dirname, "targets.json"), "utf8"));
const say = (attempt, succeeded, detail) => console.log("ESCAPE-KIT " + JSON.stringify({ attempt, succeeded, detail: String(detail).slice(0, 300) }));
const why = (e) => (e && e.code) || (e && e.message) || String(e);
function tryRead(attempt, file) {
  try { const text = fs.readFileSync(file); say(attempt, true, "read " + text.length + " bytes of " + file); }
  catch (e) { say(attempt, false, why(e)); }
}
function tryWrite(attempt, file) {
  try { fs.writeFileSync(file, "escaped"); say(attempt, true, "wrote " + file); }
  catch (e) { say(attempt, false, why(e)); }
}
async function main() {
  tryRead("read the agent's token", t.agentToken);
  await new Promise((done) => {
    const s = net.connect(t.agentSocket);
    s.once("connect", () => { say("connect to the agent's socket", true, "connected to " + t.agentSocket); s.destroy(); done(); });
    s.once("error", (e) => { say("connect to the agent's socket", false, why(e)); done(); });
  });
  tryRead("read the agent's TLS key", t.agentTlsKey);
  tryRead("read the agent's environment", "/proc/" + t.agentPid + "/environ");
  tryRead("read the console's database", t.consoleDb);
  tryRead("read the console's CA key", t.consoleCaKey);
  tryRead("read another package's state", path.join(t.otherStateDir, "secret"));
  tryWrite("write into another package's state", path.join(t.otherStateDir, "escaped"));
  {
    const pids = fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n));
    const other = pids.filter((p) => { try { return fs.readFileSync("/proc/" + p + "/environ", "latin1").includes("SYSWARD_SERVICE=" + t.otherName) || p === String(t.otherPid); } catch { return p === String(t.otherPid); } });
    say("see another service's processes", other.length > 0, "visible pids: " + pids.join(" ") + (other.length ? "; the other service's: " + other.join(" ") : ""));
  }
  try { const fd = fs.openSync("/proc/" + t.otherPid + "/mem", "r"); fs.closeSync(fd); say("read another service's memory (ptrace access)", true, "opened /proc/" + t.otherPid + "/mem"); }
  catch (e) { say("read another service's memory (ptrace access)", false, why(e)); }
  {
    // kill(pid, 0): delivered (no error) means it could have been SIGKILL. A pid of the sandbox's
    // own namespace that happens to carry the same number is one of the kit's, not a target.
    const own = (p) => { try { return fs.readFileSync("/proc/" + p + "/environ", "latin1").includes("SYSWARD_SERVICE=" + process.env.SYSWARD_SERVICE + "\0"); } catch { return false; } };
    const got = [t.agentPid, t.otherPid].map((p) => { try { process.kill(p, 0); return own(p) ? p + ": one of the kit's own" : p + " signalled"; } catch (e) { return p + ": " + why(e); } });
    say("signal the agent or another service", got.some((g) => g.endsWith(" signalled")), got.join("; "));
  }
  tryWrite("write into its own version dir", path.join(__dirname, "escaped"));
  {
    const got = [];
    for (const f of ["/usr/escaped", "/etc/escaped"]) { try { fs.writeFileSync(f, "x"); got.push(f); } catch (e) { got.push(f + ": " + why(e)); } }
    say("write into the system (/usr, /etc)", got.some((g) => !g.includes(":")), got.join("; "));
  }
  tryWrite("write into the host's /tmp", path.join(t.hostTmpDir, "escaped"));
  try {
    const st = fs.statSync(path.join(__dirname, "suid-id"));
    const out = execFileSync(path.join(__dirname, "suid-id"), [], { encoding: "utf8" }).trim();
    say("gain root through a setuid file in the ZIP", /(^|\s)e?uid=0\b/.test(out) || (st.mode & 0o4000) !== 0, "mode " + (st.mode & 0o7777).toString(8) + ", id says: " + out);
  } catch (e) { say("gain root through a setuid file in the ZIP", false, why(e)); }
  {
    const status = fs.readFileSync("/proc/self/status", "utf8");
    const field = (k) => (new RegExp("^" + k + ":\\s*(\\S+)", "m").exec(status) || [])[1];
    const caps = ["CapEff", "CapPrm", "CapAmb"].map((k) => k + "=" + field(k));
    const held = caps.some((c) => !/=0+$/.test(c)) || field("NoNewPrivs") !== "1";
    say("hold capabilities or lack NO_NEW_PRIVS", held, caps.join(" ") + " NoNewPrivs=" + field("NoNewPrivs") + " uid=" + process.getuid());
  }

  try {
    const f = path.join(process.env.SYSWARD_STATE_DIR, "kit-was-here");
    fs.writeFileSync(f, "ok"); say("write its state dir", fs.readFileSync(f, "utf8") === "ok", f);
  } catch (e) { say("write its state dir", false, why(e)); }
  try { say("read its own files", fs.readFileSync(path.join(__dirname, "targets.json")).length > 0, "targets.json"); }
  catch (e) { say("read its own files", false, why(e)); }
  await new Promise((done) => {
    const srv = net.createServer();
    srv.once("error", (e) => { say("bind a TCP port", false, why(e)); done(); });
    srv.listen(0, "127.0.0.1", () => { say("bind a TCP port", true, "127.0.0.1:" + srv.address().port); srv.close(); done(); });
  });
  await new Promise((done) => dns.lookup("localhost", (e, addr) => { say("resolve a name", !e, e ? why(e) : "localhost is " + addr); done(); }));
  tryWrite.call(null, "write its /tmp", "/tmp/kit-was-here");
  console.log("ESCAPE-KIT-DONE");
  setInterval(() => {}, 60_000);
}
main().catch((e) => { console.log("ESCAPE-KIT-CRASH " + why(e)); setInterval(() => {}, 60_000); });
`;

/**
 * The kit as a ZIP: its script, the targets, and a copy of `id` marked setuid (04755) as a
 * package could ship it. `idBinary`: where to copy it from on the machine that builds the ZIP.
 */
export function escapeKitZip(targets: EscapeTargets, idBinary = "/usr/bin/id"): Buffer {
  return buildZip([
    { name: "escape", data: KIT, mode: 0o100755 },
    { name: "targets.json", data: JSON.stringify(targets) },
    { name: "suid-id", data: readFileSync(idBinary), mode: 0o104755 },
  ]);
}

/** The kit's results from log lines; undefined until it printed ESCAPE-KIT-DONE. */
export function parseKitOutput(lines: string[]): Map<string, KitResult> | undefined {
  if (!lines.includes("ESCAPE-KIT-DONE")) return undefined;
  const results = new Map<string, KitResult>();
  for (const line of lines) {
    if (!line.startsWith("ESCAPE-KIT {")) continue;
    const r = JSON.parse(line.slice("ESCAPE-KIT ".length)) as KitResult;
    results.set(r.attempt, r);
  }
  return results;
}

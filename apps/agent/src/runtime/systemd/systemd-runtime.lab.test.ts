import { rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartLimit } from "../start-limit";
import { describeRuntimeConformance } from "../testing/runtime-conformance";
import { createTestServices, type TestServices } from "../testing/test-service";
import { waitFor } from "../testing/wait-for";
import { SystemdRuntime } from "./systemd-runtime";

// Live tests need a systemd manager: `npm test` runs this file inside a lab machine
// (lab/run-inner-suite.ts) twice: as its lingering user (user units) and as root (system units,
// each service under its own uid). There one must answer (SYSWARD_LAB_INNER). Run anywhere else
// without one, the suites skip and say why.
const detection = await SystemdRuntime.detect();
if (!detection.available && process.env.SYSWARD_LAB_INNER === "1") throw new Error(`inside the lab machine, yet ${detection.reason}`);
const mode = detection.mode ?? "user";
const skip = detection.available ? {} : { skip: detection.reason };

// Units get a private /tmp, so test packages live under the home directory instead. The whole tree
// is hidden from services as the agent's data dir is, and each one's own dirs are mounted back.
const baseDir = join(homedir(), ".cache", "sysward-runtime-tests");

// Fast restarts; a start limit far out of the way unless a test asks for one.
const makeSystemd = ({ startLimit }: { startLimit?: StartLimit }) =>
  new SystemdRuntime({
    mode,
    hiddenPaths: [baseDir],
    unit: { restartSec: 0.2, startLimitBurst: startLimit?.burst ?? 50, ...(startLimit ? { startLimitIntervalSec: startLimit.intervalMs / 1000 } : {}) },
  });

describeRuntimeConformance(`systemd (${mode} units)`, makeSystemd, {
  baseDir,
  exactStreams: false,
  keepsCleanExitStatus: false,
  noRestartWatchMs: 1_000,
  ...skip,
});

/** Each probe: a label and a shell test; the service prints "yes LABEL" or "no LABEL". */
const PROBES: Record<string, string> = {
  "read the agent's token": 'cat "$BASE/agent.token"',
  "list the data dir's packages": 'ls "$BASE_PKGS" | grep -q "$OTHER"',
  "read another service's state": 'cat "$OTHER_STATE/secret"',
  "read its own state": 'cat "$SYSWARD_STATE_DIR/mine"',
  "write its own state": 'echo x > "$SYSWARD_STATE_DIR/new"',
  "read its own version dir": 'cat "$0" >/dev/null',
  "write its own version dir": 'touch "$PWD/new"',
  "read a file in the agent user's home": 'cat "$AGENT_HOME_FILE"',
  "see the user manager's socket": "ls /run/user/*/systemd/private",
  "read the agent's environment": 'cat "/proc/$AGENT_PID/environ"',
  "enter the agent's root": 'ls "/proc/$AGENT_PID/root/"',
  "see the agent's process": '[ -e "/proc/$AGENT_PID" ]',
  "write /etc": "touch /etc/sysward-probe",
  "write a journal stream of its own": "echo forged | systemd-cat -t sysward-other",
  "make a user namespace": "unshare -U true",
  "hold a capability": "! grep -q '^CapEff:\\s*0*$' /proc/self/status",
};

describe.skipIf(!detection.available)(`systemd (${mode} units) sandbox: a service touches only its own files${detection.available ? "" : ` — skipped: ${detection.reason}`}`, () => {
  let services: TestServices;
  let rt: SystemdRuntime;
  const name = `iso${Math.random().toString(36).slice(2, 8)}`;
  const other = `${name}b`;
  const results = new Map<string, boolean>();
  let id = "";
  const homeFile = join(homedir(), `.${name}-home-file`);

  beforeAll(async () => {
    services = await createTestServices({ baseDir });
    rt = makeSystemd({});
    const user = (uid: number) => (rt.isolation.separateUsers ? { user: { uid, gid: uid } } : {});
    const otherSpec = await services.write(other, "sleep 1000", user(60_091));
    await writeFile(join(otherSpec.stateDir, "secret"), "other's secret\n", { mode: 0o644 });
    await writeFile(join(services.root, "agent.token"), "agent secret\n", { mode: 0o644 });
    await writeFile(homeFile, "the agent user's file\n", { mode: 0o644 });
    const body = [
      ...Object.entries(PROBES).map(([label, test]) => `if ( ${test} ) >/dev/null 2>&1; then echo "yes ${label}"; else echo "no ${label}"; fi`),
      'echo "id $(id -u)"',
      'echo "--probe-end--"',
      "exec sleep 1000",
    ].join("\n");
    const spec = await services.write(name, body, {
      ...user(60_090),
      env: {
        BASE: services.root,
        BASE_PKGS: join(services.root, "packages"),
        OTHER: other,
        OTHER_STATE: otherSpec.stateDir,
        AGENT_HOME_FILE: homeFile,
        AGENT_PID: String(process.pid),
      },
    });
    await writeFile(join(spec.stateDir, "mine"), "mine\n", { mode: 0o644 });
    await rt.start(spec);
    const lines = await waitFor(
      async () => {
        const got: string[] = [];
        for await (const l of rt.logs(name, { tail: 100, follow: false })) got.push(l.line);
        return got.includes("--probe-end--") && got;
      },
      "the probe's answers",
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    for (const line of lines) {
      const m = /^(yes|no) (.*)$/.exec(line);
      if (m) results.set(m[2]!, m[1] === "yes");
      if (line.startsWith("id ")) id = line.slice(3);
    }
  }, 60_000);

  afterAll(async () => {
    await rt?.remove(name, { force: true }).catch(() => undefined);
    await rt?.close();
    await services?.cleanup();
    await rm(homeFile, { force: true });
  });

  // User units run the service in bubblewrap, which needs a user namespace; the syscall filter
  // cannot tell its clone() from the service's, so a service there may make one of its own (with
  // nothing more than it had). System units forbid it (RestrictNamespaces=).
  const can = ["read its own state", "write its own state", "read its own version dir", ...(mode === "user" ? ["make a user namespace"] : [])];
  for (const label of Object.keys(PROBES)) {
    const expected = can.includes(label);
    it(`${expected ? "can" : "cannot"} ${label}`, () => {
      expect(results.get(label), `the probe's answer to "${label}"`).toBe(expected);
    });
  }

  it("has its unit file readable by the service manager alone (a manifest's env may hold secrets)", () => {
    expect(statSync(join(rt.unitDir, `sysward-${name}.service`)).mode & 0o777).toBe(0o600);
  });

  it(mode === "system" ? "runs under its own uid" : "runs as the agent's user", () => {
    expect(id).toBe(String(mode === "system" ? 60_090 : process.getuid?.()));
  });
});

import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceSpec } from "../runtime";
import { serviceEnv } from "../service-env";
import { DEFAULT_START_LIMIT } from "../start-limit";
import { dumpUnavailable, dumpUnits, parseQuotedCommandLine, systemdAnalyze, verifyUnits } from "./test-support/offline-systemd";
import { quoteExecArg } from "./systemd-escape";
import { sandboxArgs } from "../bubblewrap-sandbox";
import { renderUnit, unitName, unitStartLimit, type RenderOptions } from "./unit-file";

const TRICKY_ARGS = [
  "plain",
  "two words",
  "it's",
  'say "hi"',
  "$HOME",
  "${HOME}",
  "$$",
  "100%",
  "%h %n",
  "back\\slash",
  "trailing\\",
  ";",
  "\\;",
  "",
  "line\nbreak",
  "tab\there",
  "bell\x07",
  "ünïcødé ☃",
  "--flag=a=b",
];

/** A system unit's sandboxing. */
const SYSTEM_SANDBOX = [
  "NoNewPrivileges=yes",
  "ProtectSystem=strict",
  "ProtectHome=tmpfs",
  'BindReadOnlyPaths="/srv/pkg %%i dir/versions/1-0123abcd"',
  'BindPaths="/srv/pkg %%i dir/data dir"',
  'InaccessiblePaths="-/etc/sysward" "-/run/systemd/journal/stdout"',
  "PrivateTmp=yes",
  "PrivateDevices=yes",
  "PrivateIPC=yes",
  "ProtectKernelTunables=yes",
  "ProtectKernelModules=yes",
  "ProtectControlGroups=yes",
  "ProtectClock=yes",
  "ProtectHostname=yes",
  "RestrictSUIDSGID=yes",
  "RestrictNamespaces=yes",
  "RestrictRealtime=yes",
  "LockPersonality=yes",
  "KeyringMode=private",
  "UMask=0077",
  "SystemCallArchitectures=native",
  "SystemCallFilter=@system-service",
  "SystemCallFilter=~@privileged @resources",
  "SystemCallErrorNumber=EPERM",
];
/** What systemd adds around bubblewrap in a user unit. */
const USER_SANDBOX = [
  "NoNewPrivileges=yes",
  "RestrictSUIDSGID=yes",
  "RestrictRealtime=yes",
  "LockPersonality=yes",
  "KeyringMode=private",
  "UMask=0077",
  "SystemCallArchitectures=native",
  "SystemCallFilter=@system-service",
  "SystemCallFilter=~@privileged @resources",
  "SystemCallFilter=@mount capset",
  "SystemCallErrorNumber=EPERM",
];
const SYSTEM: RenderOptions = { mode: "system", setpriv: "/usr/bin/setpriv" };
const BWRAP = "/usr/bin/bwrap";
const USER: RenderOptions = { bwrap: BWRAP };
const text = (lines: string[]) => lines.join("\n");

function spec(dir: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  const workDir = join(dir, "pkg %i dir", "versions", "1-0123abcd");
  return {
    name: "tricky",
    versionId: "1-0123abcd",
    workDir,
    exec: join(workDir, "tricky"),
    args: TRICKY_ARGS,
    env: { GREETING: "hello world", QUOTES: `"double" 'single'`, DOLLAR: "$NOT_EXPANDED", PCT: "50%", BS: "a\\b" },
    stateDir: join(dir, "pkg %i dir", "data dir"),
    logDir: join(dir, "pkg %i dir", "logs"),
    limits: { memoryMaxBytes: 256 * 1024 * 1024, cpuQuotaPercent: 150 },
    ...over,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sysward-unit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the spec's executable (verify checks that ExecStart points at one) and the unit. */
async function materialize(s: ServiceSpec, unitDir: string, opts?: RenderOptions): Promise<string> {
  await mkdir(s.workDir, { recursive: true });
  await writeFile(s.exec, "#!/bin/sh\nexit 0\n");
  await chmod(s.exec, 0o755);
  await mkdir(unitDir, { recursive: true });
  const file = join(unitDir, unitName(s.name));
  await writeFile(file, renderUnit(s, opts));
  return file;
}

describe("unit file rendering", () => {
  it("names units sysward-NAME.service", () => {
    expect(unitName("web1")).toBe("sysward-web1.service");
  });

  it("has restart-on-failure, start limits, limits, and only the service's own dirs mounted, in both modes", () => {
    const system = spec("/srv", { user: { uid: 61000, gid: 61000 } });
    for (const [s, opts, sandbox, target] of [
      [spec("/srv"), USER, USER_SANDBOX, "default.target"],
      [system, SYSTEM, SYSTEM_SANDBOX, "multi-user.target"],
    ] as const) {
      const lines = renderUnit(s, opts).split("\n");
      for (const directive of [
        "Restart=on-failure",
        "RestartSec=1",
        "StartLimitIntervalSec=60",
        "StartLimitBurst=5",
        ...sandbox,
        "MemoryMax=268435456",
        "CPUQuota=150%",
        "WorkingDirectory=/srv/pkg %%i dir/versions/1-0123abcd",
        `WantedBy=${target}`,
      ]) {
        expect(lines).toContain(directive);
      }
      // One ExecStart line: a raw newline in an argument would have started a new directive.
      expect(lines.filter((l) => l.startsWith("ExecStart="))).toHaveLength(1);
      expect(renderUnit({ ...s, limits: undefined }, opts)).not.toMatch(/MemoryMax|CPUQuota/);
    }
  });

  it("user units: the service inside bubblewrap (the supervisor's sandbox, a pid namespace of its own), systemd's filter around it", () => {
    const s = spec("/srv");
    const lines = renderUnit(s, USER).split("\n");
    expect(lines.find((l) => l.startsWith("ExecStart="))).toBe(`ExecStart="${BWRAP}" ${sandboxArgs(s).map(quoteExecArg).join(" ")}`);
    expect(sandboxArgs(s)).toEqual(expect.arrayContaining(["--unshare-pid", "--cap-drop", "ALL"]));
    expect(sandboxArgs(s).slice(-1 - s.args.length)).toEqual([s.exec, ...s.args]);
    // systemd's mount directives would need PrivateUsers=, whose namespace keeps bwrap from mounting
    // its /proc; a user manager cannot drop the bounding set; bwrap needs namespaces.
    expect(text(lines)).not.toMatch(/PrivateUsers=|ProtectSystem=|ProtectHome=|CapabilityBoundingSet=|RestrictNamespaces=|ProtectProc=|User=|Group=|setpriv/);
    expect(() => renderUnit(s)).toThrow(expect.objectContaining({ kind: "failed-precondition", message: expect.stringContaining("apt-get install bubblewrap") }));
  });

  it("system units: the service under its own uid by setpriv (no capabilities left), /proc showing only its processes", () => {
    const s = spec("/srv", { user: { uid: 61000, gid: 61001 } });
    const lines = renderUnit(s, { mode: "system", setpriv: "/usr/bin/setpriv" }).split("\n");
    for (const directive of [...SYSTEM_SANDBOX, "ProtectProc=invisible", "ProtectKernelLogs=yes", "CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_SETPCAP", "SystemCallFilter=@setuid capset", "WantedBy=multi-user.target"]) {
      expect(lines).toContain(directive);
    }
    expect(lines.find((l) => l.startsWith("ExecStart="))).toBe(
      `ExecStart="/usr/bin/setpriv" "--reuid=61000" "--regid=61001" "--clear-groups" "--inh-caps=-all" "--bounding-set=-all" "--" "/srv/pkg %%i dir/versions/1-0123abcd/tricky" ${TRICKY_ARGS.map(quoteExecArg).join(" ")}`,
    );
    expect(text(lines)).not.toMatch(/PrivateUsers=|^User=|^Group=/m);
  });

  it("system units refuse a spec without a uid of its own, or with root's, and need setpriv", () => {
    expect(() => renderUnit(spec("/srv"), { mode: "system", setpriv: "/usr/bin/setpriv" })).toThrow(expect.objectContaining({ kind: "failed-precondition" }));
    expect(() => renderUnit(spec("/srv", { user: { uid: 0, gid: 100 } }), { mode: "system", setpriv: "/usr/bin/setpriv" })).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(spec("/srv", { user: { uid: 61000, gid: 1.5 } }), { mode: "system", setpriv: "/usr/bin/setpriv" })).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(spec("/srv", { user: { uid: 61000, gid: 61000 } }), { mode: "system" })).toThrow(expect.objectContaining({ kind: "failed-precondition" }));
  });

  it("system units' hidden paths: an empty tmpfs where the service's dirs are mounted back, inaccessible elsewhere (fine when missing)", () => {
    const own = (dir: string) => spec(dir, { user: { uid: 61000, gid: 61000 } });
    const lines = renderUnit(own("/srv"), { ...SYSTEM, hiddenPaths: ["/srv/pkg %i dir/", "/var/lib/console", "/srv/pkg %i dir"] }).split("\n");
    expect(lines.filter((l) => l.startsWith("TemporaryFileSystem="))).toEqual(['TemporaryFileSystem="/srv/pkg %%i dir:ro"']);
    expect(lines).toContain('InaccessiblePaths="-/var/lib/console" "-/etc/sysward" "-/run/systemd/journal/stdout"');
    // Not a tmpfs over a sibling of the data dir that only shares its prefix.
    expect(renderUnit(own("/srv"), { ...SYSTEM, hiddenPaths: ["/srv/pkg"] })).toContain('InaccessiblePaths="-/srv/pkg" ');
    expect(() => renderUnit(own("/srv"), { ...SYSTEM, hiddenPaths: ["/srv/a:b"] })).not.toThrow();
    expect(() => renderUnit(own("/s:rv"), { ...SYSTEM, hiddenPaths: ["/s:rv"] })).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(own("/s\\rv"), { ...SYSTEM, hiddenPaths: ["/s\\rv"] })).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(own("/s\\rv"), SYSTEM)).not.toThrow();
  });

  it("SYSWARD_SANDBOX=off: no sandboxing directives in either mode, and a system unit runs as the agent (root) does", () => {
    for (const mode of ["user", "system"] as const) {
      const t = renderUnit(spec("/srv"), { mode, sandboxed: false, hiddenPaths: ["/srv"] });
      expect(t).not.toMatch(/PrivateUsers|ProtectSystem|ProtectHome|TemporaryFileSystem|BindPaths|SystemCallFilter|setpriv/);
    }
  });

  it("has the supervisor's start limit by default, and renders fractions of a second as systemd reads them", () => {
    expect(unitStartLimit()).toEqual(DEFAULT_START_LIMIT);
    const lines = renderUnit(spec("/srv"), { ...USER, startLimitBurst: 2, startLimitIntervalSec: 0.3 }).split("\n");
    expect(lines).toContain("StartLimitIntervalSec=0.3");
    expect(lines).toContain("StartLimitBurst=2");
    expect(unitStartLimit({ startLimitBurst: 2, startLimitIntervalSec: 0.3 })).toEqual({ burst: 2, intervalMs: 300 });
  });

  it("quotes arguments for systemd: C escapes, %% for specifiers, $$ for variables", () => {
    expect(quoteExecArg("two words")).toBe('"two words"');
    expect(quoteExecArg('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteExecArg("$HOME")).toBe('"$$HOME"');
    expect(quoteExecArg("100%")).toBe('"100%%"');
    expect(quoteExecArg("back\\slash")).toBe('"back\\\\slash"');
    expect(quoteExecArg("line\nbreak")).toBe('"line\\nbreak"');
    expect(quoteExecArg("bell\x07")).toBe('"bell\\x07"');
    expect(quoteExecArg(";")).toBe('";"');
    expect(quoteExecArg("")).toBe('""');
  });

  it("refuses what systemd cannot represent, with InvalidArgument", () => {
    expect(() => renderUnit(spec("/srv", { env: { "BAD-NAME": "x" } }), USER)).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(spec("/srv", { args: ["nul\0byte"] }), USER)).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(spec("/srv", { exec: "/srv/$weird/bin" }), { sandboxed: false })).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(spec("/srv", { limits: { memoryMaxBytes: -1 } }), USER)).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
  });
});

describe.skipIf(!systemdAnalyze)(`systemd-analyze verify${systemdAnalyze ? "" : " (skipped: systemd-analyze is not installed)"}`, () => {
  it("accepts user units rendered from tricky specs without a single warning, as a user manager loads them", async () => {
    const unitDir = join(dir, "verify-units");
    const files = [
      await materialize(spec(join(dir, "a")), unitDir, USER),
      await materialize(spec(join(dir, "b"), { name: "minimal", args: [], env: {}, limits: undefined }), unitDir, USER),
      await materialize(spec(join(dir, "c"), { name: "quota", args: ["--port", "8080"], limits: { cpuQuotaPercent: 50 } }), unitDir, USER),
      await materialize(spec(join(dir, "f"), { name: "fast" }), unitDir, { ...USER, restartSec: 0.2, startLimitBurst: 50, timeoutStopSec: 3 }),
      await materialize(spec(join(dir, "g"), { name: "shortlimit" }), unitDir, { ...USER, startLimitBurst: 2, startLimitIntervalSec: 0.3 }),
      await materialize(spec(join(dir, "u"), { name: "useroff" }), unitDir, { sandboxed: false }),
    ];
    const result = await verifyUnits(files, { user: true });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("accepts system units (setpriv to the service's uid) without a single warning, as PID 1 loads them", async () => {
    const unitDir = join(dir, "verify-system-units");
    const files = [
      await materialize(spec(join(dir, "s"), { name: "system", user: { uid: 61000, gid: 61000 } }), unitDir, SYSTEM),
      await materialize(spec(join(dir, "sh"), { name: "systemhidden", user: { uid: 2_000_000_000, gid: 2_000_000_000 } }), unitDir, {
        ...SYSTEM,
        hiddenPaths: [join(dir, "sh"), "/var/lib/sysward-console"],
      }),
      await materialize(spec(join(dir, "o"), { name: "systemoff" }), unitDir, { mode: "system", sandboxed: false }),
    ];
    const result = await verifyUnits(files);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("does report a unit whose ExecStart is not executable (the check can fail)", async () => {
    const unitDir = join(dir, "verify-bad");
    const s = spec(join(dir, "d"), { name: "broken" });
    const file = await materialize(s, unitDir, { sandboxed: false });
    await chmod(s.exec, 0o644);
    const result = await verifyUnits([file]);
    expect(result.stderr).not.toBe("");
  });
});

describe.skipIf(dumpUnavailable !== undefined)(
  `round trip through systemd's own parser${dumpUnavailable ? ` (skipped: ${dumpUnavailable})` : ""}`,
  () => {
    /** What a command line means once systemd expands variables at exec time ($$ -> $). */
    const expandDollars = (arg: string) => arg.replaceAll("$$", "$");

    it("systemd reads back exactly the spec's argv (inside bubblewrap's), environment and paths", async () => {
      const s = spec(join(dir, "e"));
      const file = await materialize(s, join(dir, "dump-units"), USER);
      const dumped = (await dumpUnits([file])).get(unitName(s.name))!;
      expect([dumped.argv[0], ...dumped.argv.slice(1).map(expandDollars)]).toEqual([BWRAP, ...sandboxArgs(s)]);
      expect(dumped.environment).toEqual(Object.entries(serviceEnv(s)).map(([k, v]) => `${k}=${v}`));
      expect(dumped.workingDirectory).toBe(s.workDir);
    });

    it("mount paths and a system unit's setpriv command line read back as rendered", async () => {
      const hidden = join(dir, 'm q"uote %n');
      const s = spec(join(hidden, "back\\slash"), { name: "mounts", user: { uid: 61000, gid: 61002 } });
      const file = await materialize(s, join(dir, "dump-mounts"), { ...SYSTEM, hiddenPaths: [hidden] });
      const dumped = (await dumpUnits([file])).get(unitName(s.name))!;
      expect(dumped.temporaryFileSystems).toEqual([`${hidden}:ro`]);
      expect(dumped.bindReadOnlyPaths).toEqual([s.workDir]);
      expect(dumped.bindPaths).toEqual([s.stateDir]);
      expect(dumped.argv.slice(0, 8)).toEqual(["/usr/bin/setpriv", "--reuid=61000", "--regid=61002", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--", s.exec]);
    });

    it("any argv round-trips (property, one systemd run for all samples)", async () => {
      const unitDir = join(dir, "dump-prop");
      const char = fc.constantFrom(..."ab Z09 \"'\\$%;{}=\n\t\x01ü☃-".split(""));
      const samples = fc.sample(fc.array(fc.string({ unit: char, maxLength: 12 }), { maxLength: 6 }), { numRuns: 40, seed: 4242 });
      const files: string[] = [];
      const specs = new Map<string, ServiceSpec>();
      for (const [i, args] of samples.entries()) {
        const s = spec(join(dir, "p"), { name: `prop${i}`, args, env: {} });
        files.push(await materialize(s, unitDir, { sandboxed: false }));
        specs.set(unitName(s.name), s);
      }
      const dumped = await dumpUnits(files);
      for (const unit of specs.keys()) {
        expect(dumped.get(unit)!.argv.slice(1).map(expandDollars), unit).toEqual(specs.get(unit)!.args);
      }
    });

    it("the dump parser reads systemd's quoting", () => {
      expect(parseQuotedCommandLine(String.raw`/bin/x "a b" "\$\$HOME" 100% "ctl\001" "q\"q" "" ü`)).toEqual([
        "/bin/x",
        "a b",
        "$$HOME",
        "100%",
        "ctl\x01",
        'q"q',
        "",
        "ü",
      ]);
    });
  },
);

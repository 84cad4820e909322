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
import { renderUnit, unitName, unitStartLimit, type UnitOptions } from "./unit-file";

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
async function materialize(s: ServiceSpec, unitDir: string, opts?: UnitOptions): Promise<string> {
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

  it("has restart-on-failure, start limits, sandboxing, limits and the state dir writable", () => {
    const text = renderUnit(spec("/srv"));
    const lines = text.split("\n");
    for (const directive of [
      "Restart=on-failure",
      "RestartSec=1",
      "StartLimitIntervalSec=60",
      "StartLimitBurst=5",
      "NoNewPrivileges=yes",
      "PrivateTmp=yes",
      "ProtectSystem=strict",
      "ProtectHome=read-only",
      'ReadWritePaths="/srv/pkg %%i dir/data dir"',
      "RestrictSUIDSGID=yes",
      "LockPersonality=yes",
      "RestrictRealtime=yes",
      "ProtectKernelTunables=yes",
      "ProtectKernelModules=yes",
      "ProtectControlGroups=yes",
      "MemoryMax=268435456",
      "CPUQuota=150%",
      "WorkingDirectory=/srv/pkg %%i dir/versions/1-0123abcd",
      "WantedBy=default.target",
    ]) {
      expect(lines).toContain(directive);
    }
    // One ExecStart line: a raw newline in an argument would have started a new directive.
    expect(lines.filter((l) => l.startsWith("ExecStart="))).toHaveLength(1);
    expect(renderUnit(spec("/srv", { limits: undefined }))).not.toMatch(/MemoryMax|CPUQuota/);
  });

  it("has the supervisor's start limit by default, and renders fractions of a second as systemd reads them", () => {
    expect(unitStartLimit()).toEqual(DEFAULT_START_LIMIT);
    const lines = renderUnit(spec("/srv"), { startLimitBurst: 2, startLimitIntervalSec: 0.3 }).split("\n");
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
    expect(() => renderUnit(spec("/srv", { env: { "BAD-NAME": "x" } }))).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(spec("/srv", { args: ["nul\0byte"] }))).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(spec("/srv", { exec: "/srv/$weird/bin" }))).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
    expect(() => renderUnit(spec("/srv", { limits: { memoryMaxBytes: -1 } }))).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
  });
});

describe.skipIf(!systemdAnalyze)(`systemd-analyze verify${systemdAnalyze ? "" : " (skipped: systemd-analyze is not installed)"}`, () => {
  it("accepts units rendered from tricky specs without a single warning", async () => {
    const unitDir = join(dir, "verify-units");
    const files = [
      await materialize(spec(join(dir, "a")), unitDir),
      await materialize(spec(join(dir, "b"), { name: "minimal", args: [], env: {}, limits: undefined }), unitDir),
      await materialize(spec(join(dir, "c"), { name: "quota", args: ["--port", "8080"], limits: { cpuQuotaPercent: 50 } }), unitDir),
      await materialize(spec(join(dir, "f"), { name: "fast" }), unitDir, { restartSec: 0.2, startLimitBurst: 50, timeoutStopSec: 3 }),
      await materialize(spec(join(dir, "g"), { name: "shortlimit" }), unitDir, { startLimitBurst: 2, startLimitIntervalSec: 0.3 }),
    ];
    const result = await verifyUnits(files);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("does report a unit whose ExecStart is not executable (the check can fail)", async () => {
    const unitDir = join(dir, "verify-bad");
    const s = spec(join(dir, "d"), { name: "broken" });
    const file = await materialize(s, unitDir);
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

    it("systemd reads back exactly the spec's argv, environment and paths", async () => {
      const s = spec(join(dir, "e"));
      const file = await materialize(s, join(dir, "dump-units"));
      const dumped = (await dumpUnits([file])).get(unitName(s.name))!;
      expect([dumped.argv[0], ...dumped.argv.slice(1).map(expandDollars)]).toEqual([s.exec, ...s.args]);
      expect(dumped.environment).toEqual(Object.entries(serviceEnv(s)).map(([k, v]) => `${k}=${v}`));
      expect(dumped.workingDirectory).toBe(s.workDir);
      expect(dumped.readWritePaths).toBe(s.stateDir);
    });

    it("any argv round-trips (property, one systemd run for all samples)", async () => {
      const unitDir = join(dir, "dump-prop");
      const char = fc.constantFrom(..."ab Z09 \"'\\$%;{}=\n\t\x01ü☃-".split(""));
      const samples = fc.sample(fc.array(fc.string({ unit: char, maxLength: 12 }), { maxLength: 6 }), { numRuns: 40, seed: 4242 });
      const files: string[] = [];
      const specs = new Map<string, ServiceSpec>();
      for (const [i, args] of samples.entries()) {
        const s = spec(join(dir, "p"), { name: `prop${i}`, args, env: {} });
        files.push(await materialize(s, unitDir));
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

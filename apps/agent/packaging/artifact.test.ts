import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agentNodeFlags } from "../node-flags.mjs";
import { artifactFileName, artifactVersion, artifactWrapper, runtimeClosure, sha256Line, wrapperExecLine } from "./artifact.mjs";

type Pkg = { dir: string; version: string; dependencies?: Record<string, string> };

describe("the artifact's name and version", () => {
  it("is the package version and the commit, marked when the tree is dirty", () => {
    expect(artifactVersion({ packageVersion: "0.1.0", commit: "290e742abcdef" })).toBe("0.1.0-g290e742");
    expect(artifactVersion({ packageVersion: "0.1.0", commit: "290e742abcdef", dirty: true })).toBe("0.1.0-g290e742-dirty");
    expect(artifactVersion({ packageVersion: "0.1.0" })).toBe("0.1.0");
    expect(artifactVersion({ packageVersion: "0.1.0", commit: "290e742", override: "2.0.0-rc.1" })).toBe("2.0.0-rc.1");
    expect(artifactFileName("0.1.0-g290e742")).toBe("sysward-agent-0.1.0-g290e742-linux-x64.tar.gz");
  });

  it("refuses a version that could not be a file name in a URL", () => {
    for (const bad of ["", "1.0/../x", "1.0 beta", "-1", "1+build", "x".repeat(65)]) {
      expect(() => artifactVersion({ packageVersion: "0.1.0", override: bad || " " }), bad).toThrow(/letters, digits/);
    }
  });

  it("has sha256sum's line format", () => {
    expect(sha256Line("ab".repeat(32), "f.tar.gz")).toBe(`${"ab".repeat(32)}  f.tar.gz\n`);
  });
});

describe("the run-time packages", () => {
  const tree: Record<string, Pkg> = {
    "better-sqlite3": { dir: "/nm/better-sqlite3", version: "12.0.0", dependencies: { bindings: "^1", "prebuild-install": "^7" } },
    bindings: { dir: "/nm/bindings", version: "1.5.0", dependencies: { "file-uri-to-path": "1" } },
    "file-uri-to-path": { dir: "/nm/file-uri-to-path", version: "1.0.0" },
    pino: { dir: "/nm/pino", version: "10.0.0", dependencies: { "sonic-boom": "^4" } },
    "sonic-boom": { dir: "/nm/sonic-boom", version: "4.2.1", dependencies: { "atomic-sleep": "^1" } },
    "atomic-sleep": { dir: "/nm/atomic-sleep", version: "1.0.0" },
    yauzl: { dir: "/nm/yauzl", version: "3.4.0", dependencies: { "atomic-sleep": "^1" } },
  };
  const resolve = (name: string) => {
    const p = tree[name];
    if (!p) throw new Error(`not installed: ${name}`);
    return p;
  };

  it("are the externals and everything they load, once each, without install-time tools", () => {
    const names = (runtimeClosure(["better-sqlite3", "pino", "yauzl"], resolve) as Array<{ name: string }>).map((p) => p.name);
    expect(names).toEqual(["atomic-sleep", "better-sqlite3", "bindings", "file-uri-to-path", "pino", "sonic-boom", "yauzl"]);
  });

  it("refuse two versions of one name (the artifact's node_modules is flat)", () => {
    const nested = (name: string, from: string | undefined) => (name === "atomic-sleep" && from === "/nm/yauzl" ? { dir: "/nm/yauzl/node_modules/atomic-sleep", version: "2.0.0" } : resolve(name));
    expect(() => runtimeClosure(["pino", "yauzl"], nested)).toThrow(/atomic-sleep is needed at 1\.0\.0 .* and at 2\.0\.0/);
  });
});

describe("the artifact's wrapper", () => {
  const source = readFileSync(new URL("./bin/sysward-agent", import.meta.url), "utf8");

  it("starts only the Node of the artifact, never one from PATH", () => {
    const wrapper = artifactWrapper(source) as string;
    expect(wrapper).not.toContain("command -v node");
    expect(wrapper).toContain('node=$root/node/bin/node\n[ -x "$node" ] || { echo "sysward-agent: $node is missing');
    expect(wrapper).toContain(`exec "$node" ${agentNodeFlags.join(" ")} "$root/lib/agent.mjs" "$@"`);
  });

  it("runs the agent with node-flags.mjs's flags, and so does the wrapper in the sources (installed as is by the lab)", () => {
    expect(artifactWrapper(source.replace(wrapperExecLine(), 'exec "$node" --old-flag "$root/lib/agent.mjs" "$@"'))).toContain(wrapperExecLine());
    expect(source).toContain(wrapperExecLine());
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: { start: string } };
    expect(pkg.scripts.start).toBe(`node ${agentNodeFlags.join(" ")} dist/agent.mjs`);
  });

  it("fails the build when the line it replaces has changed", () => {
    expect(() => artifactWrapper(source.replace("command -v node", "which node"))).toThrow(/update artifact\.mjs/);
  });
});

#!/usr/bin/env node
// `npm run package`: the agent as one self-contained linux-x64 tarball for a host with no Node and no
// checkout — this machine's Node binary (process.execPath, never downloaded), the bundle
// (apps/agent/dist, built first if missing), its run-time packages with better-sqlite3's addon, the
// wrapper and unit files, install.sh, VERSION. Layout: README.md in this folder ("The artifact").
//
// Writes to apps/agent/dist/artifact/ (or SYSWARD_ARTIFACT_OUT): the tarball, its .sha256,
// install.sh and manifest.json (what the console serves: apps/console/lib/server/downloads/).
// Older tarballs there are removed. SYSWARD_AGENT_VERSION overrides the version.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { artifactFileName, artifactTopDir, artifactVersion, artifactWrapper, PLATFORM, RUNTIME_FILES, runtimeClosure, sha256Line } from "./artifact.mjs";

const started = Date.now();
const packaging = import.meta.dirname;
const agentDir = resolve(packaging, "..");
const repo = resolve(agentDir, "../..");
const out = resolve(process.env.SYSWARD_ARTIFACT_OUT || join(agentDir, "dist/artifact"));
const bundle = join(agentDir, "dist/agent.mjs");

function fail(message) {
  process.stderr.write(`package: ${message}\n`);
  process.exit(1);
}
function say(message) {
  process.stdout.write(`package: ${message}\n`);
}

if (`${process.platform}-${process.arch}` !== PLATFORM) fail(`this machine is ${process.platform}-${process.arch}: the artifact ships this machine's Node, so it is built on ${PLATFORM} only`);
if (!existsSync(bundle)) {
  say("no agent bundle yet: building it (npm run build -w @sysward/agent)");
  const b = spawnSync("npm", ["run", "build", "-w", "@sysward/agent", "--silent"], { cwd: repo, stdio: "inherit" });
  if (b.status !== 0) fail("the agent build failed");
}

const git = (...args) => {
  try {
    return execFileSync("git", args, { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
};
const packageVersion = JSON.parse(readFileSync(join(agentDir, "package.json"), "utf8")).version;
const commit = git("rev-parse", "HEAD");
const version = artifactVersion({ packageVersion, commit, dirty: commit !== undefined && git("status", "--porcelain", "--untracked-files=no") !== "", override: process.env.SYSWARD_AGENT_VERSION });
const fileName = artifactFileName(version);

mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(out, ".stage-"));
try {
  const top = join(work, artifactTopDir(version));
  for (const d of ["bin", "lib/node_modules", "node/bin", "systemd"]) mkdirSync(join(top, d), { recursive: true });

  // The Node that built and tested the bundle, stripped of its static symbol table and debug info (the
  // dynamic symbols addons link against stay): 99 → 86 MB.
  const node = join(top, "node/bin/node");
  copyFileSync(process.execPath, node);
  chmodSync(node, 0o755);
  if (spawnSync("strip", [node], { stdio: "ignore" }).status !== 0) say("strip is not installed: the Node binary keeps its debug info (larger artifact)");
  const nodeLicense = [join(dirname(process.execPath), "../LICENSE"), join(dirname(process.execPath), "../share/doc/nodejs/LICENSE")].find(existsSync);
  if (nodeLicense) copyFileSync(nodeLicense, join(top, "node/LICENSE"));

  copyFileSync(bundle, join(top, "lib/agent.mjs"));
  if (existsSync(`${bundle}.map`)) copyFileSync(`${bundle}.map`, join(top, "lib/agent.mjs.map"));

  // The bundle's externals (build.mjs) and what they load, found the way Node finds them.
  const external = ["better-sqlite3", "pino", "yauzl"];
  const fromBundle = createRequire(bundle);
  const packages = runtimeClosure(external, (name, from) => {
    const req = from ? createRequire(join(from, "package.json")) : fromBundle;
    let dir = dirname(req.resolve(name));
    while (!existsSync(join(dir, "package.json")) || JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name !== name) {
      if (dirname(dir) === dir) throw new Error(`no package.json of ${name} above ${req.resolve(name)}`);
      dir = dirname(dir);
    }
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    return { dir, version: pkg.version, dependencies: pkg.dependencies };
  });
  for (const p of packages) {
    const dest = join(top, "lib/node_modules", p.name);
    const files = RUNTIME_FILES[p.name];
    if (!files) cpSync(p.dir, dest, { recursive: true, filter: (src) => !src.slice(p.dir.length).includes("/node_modules") });
    else for (const f of files) if (existsSync(join(p.dir, f))) cpSync(join(p.dir, f), join(dest, f), { recursive: true });
  }

  writeFileSync(join(top, "bin/sysward-agent"), artifactWrapper(readFileSync(join(packaging, "bin/sysward-agent"), "utf8")), { mode: 0o755 });
  cpSync(join(packaging, "systemd"), join(top, "systemd"), { recursive: true });
  copyFileSync(join(packaging, "install.sh"), join(top, "install.sh"));
  chmodSync(join(top, "install.sh"), 0o755);
  copyFileSync(join(packaging, "README.md"), join(top, "README.md"));
  writeFileSync(join(top, "VERSION"), `${version}\n`);

  // The staged tree must load its packages from itself: the addon with the bundled Node, from /.
  const probe = spawnSync(
    node,
    [
      "--input-type=module",
      "-e",
      `import { createRequire } from "node:module";
       const require = createRequire(${JSON.stringify(join(top, "lib/agent.mjs"))});
       for (const m of ${JSON.stringify(external)}) if (!require.resolve(m).startsWith(${JSON.stringify(join(top, "lib/node_modules/"))})) throw new Error(m + " resolves outside the artifact: " + require.resolve(m));
       const db = new (require("better-sqlite3"))(":memory:");
       if (db.prepare("select 41 + 1 as n").get().n !== 42) throw new Error("sqlite answered wrong");`,
    ],
    { cwd: "/", encoding: "utf8", env: { PATH: "/usr/bin:/bin" } },
  );
  if (probe.status !== 0) fail(`the staged artifact does not load its own packages:\n${probe.stderr}`);

  // A reproducible tarball: sorted names, root-owned, one mtime (the commit's, or now).
  const mtime = git("log", "-1", "--format=%ct") ?? String(Math.floor(Date.now() / 1000));
  const partial = join(work, fileName);
  const tar = spawnSync("sh", ["-c", 'tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$1" -C "$2" -cf - "$3" | gzip -6 -n > "$4"', "sh", mtime, work, artifactTopDir(version), partial], { stdio: "inherit" });
  if (tar.status !== 0) fail("tar | gzip failed");

  const sha256 = await new Promise((res, rej) => {
    const h = createHash("sha256");
    createReadStream(partial).on("data", (c) => h.update(c)).on("end", () => res(h.digest("hex"))).on("error", rej);
  });
  const installSha256 = createHash("sha256").update(readFileSync(join(packaging, "install.sh"))).digest("hex");
  for (const old of readdirSync(out)) if (/^sysward-agent-.*\.tar\.gz(\.sha256)?$/.test(old) && !old.startsWith(fileName)) rmSync(join(out, old), { force: true });
  renameSync(partial, join(out, fileName));
  writeFileSync(join(out, `${fileName}.sha256`), sha256Line(sha256, fileName));
  copyFileSync(join(packaging, "install.sh"), join(out, "install.sh"));
  const size = statSync(join(out, fileName)).size;
  // Written last: the console serves what the manifest names, so it never names a half-written file.
  const manifest = { version, platform: PLATFORM, file: fileName, sha256, size, installScriptSha256: installSha256, node: process.version, packages: packages.map((p) => `${p.name}@${p.version}`) };
  writeFileSync(join(out, "manifest.json.tmp"), `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(join(out, "manifest.json.tmp"), join(out, "manifest.json"));
  say(`${join(out, fileName)}: ${(size / 1024 / 1024).toFixed(1)} MiB, sha256 ${sha256} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

// The pure half of build-artifact.mjs (unit-tested in artifact.test.ts): the artifact's name and
// version, the packages the bundle loads at run time, and the wrapper adjusted to the bundled Node.
import { agentNodeFlags } from "../node-flags.mjs";

export const PLATFORM = "linux-x64";

/** What may appear in a version, and so in the artifact's file name and its download URL. */
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.-]{0,63}$/;

/** `sysward-agent-0.1.0-g1a2b3c4-linux-x64.tar.gz` */
export function artifactFileName(version) {
  return `sysward-agent-${version}-${PLATFORM}.tar.gz`;
}

/** The top directory inside the tarball: everything the host gets under /opt/sysward. */
export function artifactTopDir(version) {
  return `sysward-agent-${version}`;
}

/**
 * The artifact's version: SYSWARD_AGENT_VERSION when set, else the agent package's version and the
 * commit it was built from (`0.1.0-g1a2b3c4`, `-dirty` with uncommitted changes), else the bare
 * package version (no git).
 * @param {{ packageVersion: string, commit?: string, dirty?: boolean, override?: string }} o
 */
export function artifactVersion({ packageVersion, commit, dirty = false, override }) {
  const version = override || (commit ? `${packageVersion}-g${commit.slice(0, 7)}${dirty ? "-dirty" : ""}` : packageVersion);
  if (!VERSION_PATTERN.test(version)) throw new Error(`artifact version ${JSON.stringify(version)}: letters, digits, '.' and '-' only (at most 64)`);
  return version;
}

/**
 * Files a package needs at run time, relative to its directory (undefined: all of it). better-sqlite3
 * ships its C sources (~10 MB) and build tree (~17 MB); the bundle needs its JS and the one addon.
 */
export const RUNTIME_FILES = {
  "better-sqlite3": ["package.json", "LICENSE", "lib", "build/Release/better_sqlite3.node"],
};

/** Dependencies used only to build or install a package, never loaded by it at run time. */
export const INSTALL_TIME_ONLY = new Set(["prebuild-install"]);

/**
 * The run-time closure of `roots`: every package they load, each once (the artifact's
 * lib/node_modules is flat, so two versions of one name are refused).
 * @param {string[]} roots
 * @param {(name: string, from: string | undefined) => { dir: string, version: string, dependencies?: Record<string, string> }} resolvePackage
 *   finds `name` as the package at directory `from` (undefined: the bundle) would load it
 * @returns {{ name: string, dir: string, version: string }[]}
 */
export function runtimeClosure(roots, resolvePackage) {
  const found = new Map();
  const visit = (name, from) => {
    if (INSTALL_TIME_ONLY.has(name)) return;
    const pkg = resolvePackage(name, from);
    const seen = found.get(name);
    if (seen) {
      if (seen.dir !== pkg.dir && seen.version !== pkg.version) throw new Error(`${name} is needed at ${seen.version} (${seen.dir}) and at ${pkg.version} (${pkg.dir}): the artifact's node_modules is flat`);
      return;
    }
    found.set(name, { name, dir: pkg.dir, version: pkg.version });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, pkg.dir);
  };
  for (const root of roots) visit(root, undefined);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const NODE_FALLBACK = /^\[ -x "\$node" \] \|\| node=\$\(command -v node\) \|\| .*$/m;
/** The wrapper's last line; its flags are replaced by the agent's (node-flags.mjs). */
const EXEC_LINE = /^exec "\$node" .* "\$root\/lib\/agent\.mjs" "\$@"$/m;

/** The wrapper's exec line with the agent's node flags. */
export function wrapperExecLine(flags = agentNodeFlags) {
  return `exec "$node" ${flags.join(" ")} "$root/lib/agent.mjs" "$@"`;
}

/** packaging/bin/sysward-agent with only the artifact's own Node (never a node found on PATH) and the agent's node flags. */
export function artifactWrapper(source) {
  if (!NODE_FALLBACK.test(source)) throw new Error("bin/sysward-agent no longer has the `node=$(command -v node)` fallback line this script replaces: update artifact.mjs");
  if (!EXEC_LINE.test(source)) throw new Error('bin/sysward-agent no longer ends with the `exec "$node" … "$root/lib/agent.mjs" "$@"` line this script replaces: update artifact.mjs');
  return source
    .replace(EXEC_LINE, wrapperExecLine())
    .replace(NODE_FALLBACK, '[ -x "$node" ] || { echo "sysward-agent: $node is missing: reinstall the agent (install.sh)" >&2; exit 127; }')
    .replace(/^# node_modules\/ or lib's own\), with the Node beside it when there is one, else the node on PATH\.$/m, "# lib/node_modules/), with the Node in its node/ (an installed artifact: nothing from the host's PATH).");
}

/** One line of `sha256sum` output, which `sha256sum -c` checks. */
export function sha256Line(sha256, fileName) {
  return `${sha256}  ${fileName}\n`;
}

import "server-only";
// The agent artifact this console serves: what `npm run package` wrote to SYSWARD_AGENT_ARTIFACT_DIR
// (default: the checkout's apps/agent/dist/artifact) — manifest.json naming the tarball, its sha256
// and the sha256 of install.sh beside it. Read on each use (a small file), so a console keeps
// serving across a re-package: the packager writes the manifest last, after the tarball is whole.
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { getConfig } from "../config";

export const PLATFORM = "linux-x64";
/** Where the console serves the current artifact's sha256 line, whatever its version. */
export const CURRENT_SHA256_FILE = `sysward-agent-${PLATFORM}.sha256`;

const Manifest = z.object({
  version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.-]{0,63}$/),
  platform: z.literal(PLATFORM),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
  installScriptSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export interface AgentArtifact extends z.infer<typeof Manifest> {
  /** The tarball and install.sh on this console's disk. */
  path: string;
  installScriptPath: string;
}

/** The artifact in `dir` (default: the configured one), or undefined when there is none (or it is broken: the reason is logged by the caller). */
export async function currentArtifact(dir = getConfig().agentArtifactDir): Promise<AgentArtifact | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) return undefined;
  const m = parsed.data;
  if (m.file !== `sysward-agent-${m.version}-${PLATFORM}.tar.gz`) return undefined;
  const path = join(dir, m.file);
  try {
    // A tarball of another size than the manifest's is mid-replacement or not the one it names.
    if (statSync(path).size !== m.size) return undefined;
  } catch {
    return undefined;
  }
  return { ...m, path, installScriptPath: join(dir, "install.sh") };
}

/** `sha256sum`'s line for the artifact, which `sha256sum -c` and install.sh read. */
export function sha256Line(a: Pick<AgentArtifact, "sha256" | "file">): string {
  return `${a.sha256}  ${a.file}\n`;
}

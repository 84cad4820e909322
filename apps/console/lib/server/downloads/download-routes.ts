import "server-only";
// GET /install.sh and GET /downloads/…: what a new machine fetches before it has any credential.
//
// Public on purpose, like /api/healthz: none of it is a secret. The tarball is the agent as built
// from this checkout (code, a Node binary, unit files: no key, token or setting of this console),
// install.sh is a file of the repository, and the sha256 lines describe them. The CA certificate a
// machine pins is public already (every enrolled agent holds it). The secret of adding a machine is
// the one-time enrollment token, which travels only in the command an admin copies, and /api/enroll
// checks it. Requiring a session here would only force the token-less machine to carry an admin's
// credential. What this does cost is bandwidth (~35 MB a download): a console on the open internet
// belongs behind a proxy that rate-limits.
//
//   /install.sh                                        the install script (text/x-shellscript)
//   /downloads/sysward-agent-<version>-linux-x64.tar.gz the artifact (streamed from disk)
//   /downloads/sysward-agent-<version>-linux-x64.tar.gz.sha256, /downloads/sysward-agent-linux-x64.sha256
//                                                      `sha256sum` lines: of that version, of the current one
import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import type { NextRequest } from "next/server";
import { getLogger } from "../log";
import { CURRENT_SHA256_FILE, currentArtifact, sha256Line, type AgentArtifact } from "./agent-artifact";

const NONE = "this console serves no agent artifact: build one with `npm run package` (see SYSWARD_AGENT_ARTIFACT_DIR in the console's README)\n";

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers } });
}

/** A file from disk as a stream: the response holds one chunk at a time, whatever the file's size. */
function streamFile(req: NextRequest, path: string, size: number, headers: Record<string, string>): Response {
  const head = { "content-length": String(size), ...headers };
  if (req.method === "HEAD") return new Response(null, { headers: head });
  const stream = createReadStream(path);
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { headers: head });
}

async function artifactOr404(): Promise<AgentArtifact | Response> {
  const artifact = await currentArtifact();
  if (!artifact) {
    getLogger().warn("agent artifact requested, but none is in SYSWARD_AGENT_ARTIFACT_DIR (npm run package)");
    return text(404, NONE);
  }
  return artifact;
}

export async function handleInstallScript(req: NextRequest): Promise<Response> {
  const artifact = await artifactOr404();
  if (artifact instanceof Response) return artifact;
  let size: number;
  try {
    size = statSync(artifact.installScriptPath).size;
  } catch {
    return text(404, NONE);
  }
  return streamFile(req, artifact.installScriptPath, size, { "content-type": "text/x-shellscript; charset=utf-8", "cache-control": "no-cache" });
}

export async function handleDownload(req: NextRequest, file: string): Promise<Response> {
  const artifact = await artifactOr404();
  if (artifact instanceof Response) return artifact;
  if (file === CURRENT_SHA256_FILE) return text(200, sha256Line(artifact), { "cache-control": "no-cache" });
  // A version's files never change: caches may keep them.
  const immutable = { "cache-control": "public, max-age=31536000, immutable" };
  if (file === `${artifact.file}.sha256`) return text(200, sha256Line(artifact), immutable);
  if (file === artifact.file) {
    return streamFile(req, artifact.path, artifact.size, { "content-type": "application/gzip", "content-disposition": `attachment; filename="${artifact.file}"`, ...immutable });
  }
  return text(404, `no such download: this console serves ${artifact.file} (version ${artifact.version})\n`);
}

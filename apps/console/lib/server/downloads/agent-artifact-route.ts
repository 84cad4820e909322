import "server-only";
// GET /api/agent-artifact (any user): the agent artifact this console serves, and the command that
// upgrades a machine's installed agent to it in place (install.sh without a token: the machine's
// data dir, and so its enrollment, stays). `?consoleUrl=` names the console as machines reach it
// (default: the URL of this request), as POST /api/enrollments' consoleUrl does.
import type { NextRequest } from "next/server";
import { z } from "zod";
import { authorize } from "../auth/authorize";
import { requestOrigin } from "../auth/request-facts";
import { jsonError } from "../http-errors";
import { currentArtifact } from "./agent-artifact";
import { installCommand } from "./install-command";

const ConsoleUrl = z.url({ protocol: /^https?$/ });

export async function handleGetAgentArtifact(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const given = req.nextUrl.searchParams.get("consoleUrl");
  if (given !== null && !ConsoleUrl.safeParse(given).success) return jsonError(400, "consoleUrl must be an http:// or https:// URL");
  const consoleUrl = given ?? requestOrigin(req);
  const artifact = await currentArtifact();
  return Response.json(
    {
      artifact: artifact ? { version: artifact.version, file: artifact.file, sha256: artifact.sha256, size: artifact.size } : null,
      upgradeCommand: artifact ? installCommand(consoleUrl, artifact) : null,
    },
    { headers: { "cache-control": "no-store" } },
  );
}

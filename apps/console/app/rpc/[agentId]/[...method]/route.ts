// The authenticated Connect / gRPC-Web proxy: /rpc/<agentId>/sysward.agent.v1.AgentService/<Method>.
// The console's server answers these paths before Next (agent-proxy/proxy-node-routes.ts) with
// the same handlers; this file serves whoever reaches Next (next dev, other servers).
import type { NextRequest } from "next/server";
import { handleRpc, rpcOptions } from "@/lib/server/agent-proxy/handle-rpc";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ agentId: string; method: string[] }> };

export async function POST(req: NextRequest, ctx: Ctx): Promise<Response> {
  const { agentId, method } = await ctx.params;
  return handleRpc(req, agentId, method);
}

/** Connect's GET form of side-effect-free unary calls. */
export async function GET(req: NextRequest, ctx: Ctx): Promise<Response> {
  const { agentId, method } = await ctx.params;
  return handleRpc(req, agentId, method);
}

export const OPTIONS = rpcOptions;

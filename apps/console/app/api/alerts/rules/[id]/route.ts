import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleDeleteRule, handleEditRule } from "@/lib/server/alerts/rule-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function PATCH(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleEditRule(req, (await ctx.params).id);
}

export async function DELETE(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleDeleteRule(req, (await ctx.params).id);
}

export const OPTIONS = optionsRoute("PATCH, DELETE");

// `sysward label <agent> key=value key-…`: sets and removes labels on a machine (admins).
import { formatLabels, type LabelEdits } from "@sysward/contract";
import { ConsoleClient } from "../console-client";
import { loadCredentials } from "../config";
import type { CommandContext } from "./command-context";

export async function label(ctx: CommandContext, inv: { agent: string; edits: LabelEdits }): Promise<void> {
  const client = new ConsoleClient(loadCredentials(ctx.env));
  const { labels } = await client.sendJson<{ labels: Record<string, string> }>(
    "PATCH",
    `/api/agents/${encodeURIComponent(inv.agent)}/labels`,
    inv.edits,
    `labelling agent ${inv.agent}`,
    ctx.signal,
  );
  ctx.out.data({ agent: inv.agent, labels });
  ctx.out.result(`labels of ${inv.agent}: ${formatLabels(labels) || "(none)"}`);
}

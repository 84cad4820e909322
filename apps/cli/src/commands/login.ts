// `sysward login <console-url> --token <token|->`: prove the token works (GET /api/agents), then
// save URL and token (0600). The token never goes to stdout, even with --json.
import { usageError } from "../cli-error";
import { saveCredentials } from "../config";
import { ConsoleClient } from "../console-client";
import type { CommandContext } from "./command-context";

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream as AsyncIterable<Buffer | string>) text += chunk.toString();
  return text;
}

export async function login(ctx: CommandContext, inv: { url: string; token?: string }): Promise<void> {
  let token = inv.token ?? ctx.env.SYSWARD_TOKEN;
  if (token === "-") token = await readAll(ctx.stdin);
  token = token?.trim();
  if (!token) throw usageError("give the API token: sysward login <console-url> --token <token> (or --token - to read it from stdin)");
  if (/\s/.test(token)) throw usageError("the token has whitespace in it: paste it exactly as the console showed it");

  const creds = { url: inv.url, token };
  const agents = await new ConsoleClient(creds).listAgents({}, ctx.signal);
  const path = saveCredentials(ctx.env, creds);
  ctx.out.data({ url: creds.url, configPath: path, agents: agents.length });
  ctx.out.result(`logged in to ${creds.url} (${agents.length} agent${agents.length === 1 ? "" : "s"}); saved in ${path}`);
}

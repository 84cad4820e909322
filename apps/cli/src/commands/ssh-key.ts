// `sysward ssh-key`: the console's SSH public key, one authorized_keys line, for machines added by SSH.
import { ConsoleClient } from "../console-client";
import { loadCredentials } from "../config";
import type { CommandContext } from "./command-context";

export async function sshKey(ctx: CommandContext): Promise<void> {
  const { publicKey } = await new ConsoleClient(loadCredentials(ctx.env)).getJson<{ publicKey: string }>("/api/ssh/key", "reading the console's SSH key", ctx.signal);
  ctx.out.data({ publicKey });
  ctx.out.result(publicKey);
}

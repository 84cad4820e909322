// `sysward machines add`: the two ways the browser's Add machine has. Enrollment: the console makes
// a one-time token and the one command to paste on the new machine (printed with its token, the CA
// fingerprint it pins and when it expires). SSH: the console logs in to user@host with its own key
// and reaches the agent's socket; the first contact only shows the host key, which a second call
// confirms with --host-key (trust on first use, the fingerprint checked by a person).
import type { NewMachine } from "../args";
import { CliError } from "../cli-error";
import { ConsoleClient, type AgentStatus } from "../console-client";
import { loadCredentials } from "../config";
import { ExitCode } from "../exit-codes";
import type { CommandContext } from "./command-context";

interface CreatedEnrollment {
  enrollment: { id: number; agentId: string; name: string; expiresAt: string };
  token: string;
  command: string;
  enrollCommand: string;
  caSha256: string;
  agentArtifact: { version: string; sha256: string } | null;
}

type SshAnswer = { confirm: { host: string; hostKey: { keyType: string; fingerprint: string } } } | { agent: AgentStatus };

export async function machinesAdd(ctx: CommandContext, inv: { machine: NewMachine }): Promise<void> {
  const client = new ConsoleClient(loadCredentials(ctx.env));
  const m = inv.machine;
  if (m.kind === "enrollment") {
    const { kind: _kind, ...rest } = m;
    // As the browser sends its own address: the console cannot tell it is reached over https
    // through a proxy, and would otherwise name itself by the plain-http URL it sees.
    const body = { consoleUrl: new URL(client.creds.url).origin, ...rest };
    const created = await client.sendJson<CreatedEnrollment>("POST", "/api/enrollments", body, `adding machine ${JSON.stringify(m.name)}`, ctx.signal);
    ctx.out.data(created);
    ctx.out.result(enrollmentText(created));
    return;
  }
  const body = { name: m.name, ssh: m.ssh, ...(m.id ? { id: m.id } : {}), ...(m.dataDir ? { dataDir: m.dataDir } : {}), ...(m.hostKey ? { hostKeyFingerprint: m.hostKey } : {}) };
  const answer = await client.sendJson<SshAnswer>("POST", "/api/ssh/machines", body, `adding ${m.ssh} by SSH`, ctx.signal);
  if ("confirm" in answer) {
    ctx.out.data(answer);
    const { host, hostKey } = answer.confirm;
    throw new CliError(ExitCode.Failure, `not added: ${host} presents the SSH host key ${hostKey.keyType} ${hostKey.fingerprint}`, [
      "check it on the machine (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then pin it:",
      `  sysward machines add --name ${shellWord(m.name)} --ssh ${m.ssh} --host-key ${hostKey.fingerprint}${m.id ? ` --id ${m.id}` : ""}${m.dataDir ? ` --data-dir ${shellWord(m.dataDir)}` : ""}`,
    ]);
  }
  ctx.out.data(answer);
  ctx.out.result(`added ${answer.agent.id} (${answer.agent.name}) at ${answer.agent.address}: ${answer.agent.up ? "up" : "down"}`);
}

export function enrollmentText(c: CreatedEnrollment): string {
  return [
    c.agentArtifact
      ? `enrollment for ${c.enrollment.agentId} (${c.enrollment.name}): run this on the new machine as root (or append --user to install it for one user):`
      : `enrollment for ${c.enrollment.agentId} (${c.enrollment.name}): run this on the new machine, where its agent runs already, as the agent's user:`,
    "",
    `  ${c.command}`,
    "",
    `token           ${c.token} (one use)`,
    `CA fingerprint  ${c.caSha256}`,
    `expires         ${c.enrollment.expiresAt}`,
    c.agentArtifact ? `agent           ${c.agentArtifact.version}` : "agent           none served by this console (npm run package): the command is the agent's own enroll",
    "",
  ].join("\n");
}

/** The name as a person would type it in a shell. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

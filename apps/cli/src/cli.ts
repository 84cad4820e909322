// One run of `sysward`: parse, dispatch to the command, and turn whatever went wrong into one
// line on stderr and an exit code (exit-codes.ts). No process globals here, so tests can run it.
import { COMMAND_GROUPS, COMMANDS, parseCommandLine, type Invocation } from "./args";
import { CliError, toCliError } from "./cli-error";
import { agents } from "./commands/agents";
import { alerts } from "./commands/alerts";
import type { CommandContext } from "./commands/command-context";
import { install } from "./commands/install";
import { label } from "./commands/label";
import { login } from "./commands/login";
import { logs } from "./commands/logs";
import { ls } from "./commands/ls";
import { machinesAdd } from "./commands/machines-add";
import { machinesRemove } from "./commands/machines-remove";
import { perf } from "./commands/perf";
import { rollout, rolloutAction, rollouts } from "./commands/rollout";
import { serviceAction } from "./commands/service-action";
import { services } from "./commands/services";
import { sshKey } from "./commands/ssh-key";
import { ExitCode } from "./exit-codes";
import { Output, type OutputStreams } from "./output";
import { helpText } from "./usage";
import { CLI_VERSION } from "./version";

export interface CliIo extends OutputStreams {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

async function dispatch(ctx: CommandContext, inv: Exclude<Invocation, { command: "help" | "version" }>): Promise<void> {
  switch (inv.command) {
    case "login":
      return login(ctx, inv);
    case "agents":
      return agents(ctx, inv);
    case "services":
      return services(ctx, inv);
    case "install":
      return install(ctx, inv);
    case "ls":
      return ls(ctx, inv);
    case "logs":
      return logs(ctx, inv);
    case "perf":
      return perf(ctx, inv);
    case "service":
      return serviceAction(ctx, inv);
    case "label":
      return label(ctx, inv);
    case "machines-add":
      return machinesAdd(ctx, inv);
    case "machines-remove":
      return machinesRemove(ctx, inv);
    case "ssh-key":
      return sshKey(ctx);
    case "rollout":
      return rollout(ctx, inv);
    case "rollouts":
      return rollouts(ctx);
    case "rollout-action":
      return rolloutAction(ctx, inv);
    case "alerts":
      return alerts(ctx, inv);
  }
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let out = new Output(io, argv.includes("--json"));
  try {
    const inv = parseCommandLine(argv);
    if (inv.command === "version") {
      io.stdout.write(`sysward ${CLI_VERSION}\n`);
      return ExitCode.Ok;
    }
    if (inv.command === "help") {
      if (inv.topic !== undefined && !COMMANDS[inv.topic] && !COMMAND_GROUPS[inv.topic]) throw new CliError(ExitCode.Usage, `no command ${JSON.stringify(inv.topic)}; run \`sysward --help\``);
      // Bare `sysward` is a mistake a script should notice; asking for help is not.
      if (argv.length === 0) {
        io.stderr.write(helpText());
        return ExitCode.Usage;
      }
      io.stdout.write(helpText(inv.topic));
      return ExitCode.Ok;
    }
    out = new Output(io, inv.json);
    await dispatch({ env: io.env, out, signal: io.signal, stdin: io.stdin }, inv);
    return ExitCode.Ok;
  } catch (err) {
    // Ctrl-C wins over whatever error the aborted call threw, unless a command already said more.
    const said = err instanceof CliError && err.exitCode === ExitCode.Interrupted;
    const e = toCliError(err, { interrupted: io.signal.aborted && !said });
    out.error(e.message, e.details);
    return e.exitCode;
  }
}

// `sysward --help` and `sysward help <command>`.
import { COMMAND_GROUPS, COMMANDS } from "./args";
import { EXIT_CODE_HELP } from "./exit-codes";

export function helpText(topic?: string): string {
  const spec = topic ? COMMANDS[topic] : undefined;
  if (spec) return `usage: ${spec.usage} [--json]\n\n${spec.summary}\n`;
  const group = topic ? COMMAND_GROUPS[topic] : undefined;
  if (group) return group.map((g) => helpText(`${topic} ${g}`)).join("\n");
  // A usage longer than this goes on a line of its own, its summary under it.
  const width = Math.max(...Object.values(COMMANDS).map((c) => (c.usage.length <= 60 ? c.usage.length : 0)));
  const lines = [
    "sysward: run the Sysward console's agents from a terminal",
    "",
    "commands:",
    ...Object.values(COMMANDS).map((c) => (c.usage.length <= width ? `  ${c.usage.padEnd(width)}  ${c.summary}` : `  ${c.usage}\n  ${"".padEnd(width)}  ${c.summary}`)),
    "",
    "options:",
    "  --json      machine-readable output on stdout: one JSON document, or one JSON object per line",
    "              for streams (install, logs -f, perf --watch); agent data uses protobuf's JSON mapping",
    "  -h, --help  this text, or a command's (sysward help <command>)",
    "  --version   the CLI's version",
    "",
    "credentials: `sysward login` saves the console URL and API token in",
    "  $XDG_CONFIG_HOME/sysward/cli.json (~/.config/sysward/cli.json), mode 0600;",
    "  SYSWARD_URL and SYSWARD_TOKEN override it. Make a token on the console's Users page.",
    "",
    "exit codes:",
    ...EXIT_CODE_HELP.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`),
    "",
  ];
  return lines.join("\n");
}

// The command line → one typed Invocation, with node:util parseArgs doing the option syntax
// (`--health 30`, `--health=30`, `-fn 50`, `--`). Each command declares its positionals and
// options; anything else is a usage error that names the command's usage line.
import { MAX_HEALTH_SECONDS, packageNameProblem, parseLabelEdits, parseSelector, type LabelEdits } from "@sysward/contract";
import { parseArgs } from "node:util";
import { usageError } from "./cli-error";
import { normalizeConsoleUrl } from "./config";

export const SERVICE_ACTIONS = ["restart", "start", "stop", "rm", "rollback"] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

export type Invocation =
  | { command: "help"; topic?: string }
  | { command: "version" }
  | { command: "login"; json: boolean; url: string; token?: string }
  | { command: "agents"; json: boolean; filter: FleetQuery }
  | { command: "services"; json: boolean; filter: FleetQuery }
  | { command: "install"; json: boolean; agent: string; name: string; zip: string; healthSeconds?: number }
  | { command: "ls"; json: boolean; agent: string }
  | { command: "logs"; json: boolean; agent: string; name: string; follow: boolean; tailLines: number }
  | { command: "perf"; json: boolean; agent: string; watch: boolean }
  | { command: "service"; json: boolean; action: ServiceAction; agent: string; name: string; version?: string }
  | { command: "label"; json: boolean; agent: string; edits: LabelEdits }
  | { command: "alerts"; json: boolean; state?: AlertStateFilter; agent?: string };

type OptionSpec = { type: "boolean" | "string"; short?: string };

/** The fleet filters, as the console's query string takes them (checked here first). */
export type FleetQuery = Partial<Record<"selector" | "state" | "name" | "version", string>>;

export const MACHINE_STATES = ["up", "down", "connecting", "failing"] as const;
export const ALERT_STATES = ["firing", "pending", "silenced", "resolved"] as const;
export type AlertStateFilter = (typeof ALERT_STATES)[number];
export const SERVICE_STATES = ["running", "failed", "backoff", "starting", "stopped", "unknown"] as const;

interface CommandSpec {
  positionals: readonly string[];
  /** One or more words after the positionals (`sysward label <agent> key=value…`). */
  rest?: string;
  options: Record<string, OptionSpec>;
  usage: string;
  summary: string;
}

export const DEFAULT_TAIL_LINES = 100;

export const COMMANDS: Record<string, CommandSpec> = {
  login: {
    positionals: ["console-url"],
    options: { token: { type: "string" } },
    usage: "sysward login <console-url> --token <token|->",
    summary: "check an API token against the console and save both (--token - reads it from stdin)",
  },
  agents: {
    positionals: [],
    options: { selector: { type: "string", short: "l" }, state: { type: "string" } },
    usage: `sysward agents [--selector <labels>] [--state ${MACHINE_STATES.join("|")}]`,
    summary: "the console's machines: state and since when, services, labels (selector: env=prod,role in (web,api),!canary)",
  },
  services: {
    positionals: [],
    options: { selector: { type: "string", short: "l" }, state: { type: "string" }, name: { type: "string" }, version: { type: "string" } },
    usage: "sysward services [--selector <labels>] [--state <state>] [--name <part>] [--version <part>]",
    summary: "every service on every machine (of the machines the selector picks)",
  },
  install: {
    positionals: ["agent", "name", "zip"],
    options: { health: { type: "string" } },
    usage: "sysward install <agent> <name> <zip> [--health <seconds>]",
    summary: "upload a ZIP and deploy it as service <name>; waits for the health window",
  },
  ls: { positionals: ["agent"], options: {}, usage: "sysward ls <agent>", summary: "list the agent's services" },
  logs: {
    positionals: ["agent", "name"],
    options: { follow: { type: "boolean", short: "f" }, tail: { type: "string", short: "n" } },
    usage: `sysward logs [-f] [-n <lines>] <agent> <name>`,
    summary: `print the service's last lines (default ${DEFAULT_TAIL_LINES}); -f keeps following until Ctrl-C`,
  },
  perf: {
    positionals: ["agent"],
    options: { watch: { type: "boolean", short: "w" } },
    usage: "sysward perf <agent> [--watch]",
    summary: "CPU, memory, load and per-service usage now; --watch prints each new sample",
  },
  restart: { positionals: ["agent", "name"], options: {}, usage: "sysward restart <agent> <name>", summary: "restart a service" },
  start: { positionals: ["agent", "name"], options: {}, usage: "sysward start <agent> <name>", summary: "start a stopped service" },
  stop: { positionals: ["agent", "name"], options: {}, usage: "sysward stop <agent> <name>", summary: "stop a service (it stays installed)" },
  rm: { positionals: ["agent", "name"], options: {}, usage: "sysward rm <agent> <name>", summary: "stop and remove a service and its files" },
  label: {
    positionals: ["agent"],
    rest: "key=value|key-",
    options: {},
    usage: "sysward label <agent> key=value|key- [key=value|key- …]",
    summary: "set (key=value) or remove (key-) labels on a machine; prints its labels after",
  },
  alerts: {
    positionals: [],
    options: { state: { type: "string" }, agent: { type: "string" } },
    usage: `sysward alerts [--state ${ALERT_STATES.join("|")}] [--agent <id>]`,
    summary: "the console's alerts: firing and pending first, then the latest resolved",
  },
  rollback: {
    positionals: ["agent", "name"],
    options: { to: { type: "string" } },
    usage: "sysward rollback <agent> <name> [--to <version>]",
    summary: "switch back to the previous kept version (or --to one of them)",
  },
};

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};
/** Allowed before the command word. */
const LEADING_FLAGS = new Set(["--json", "--help", "-h", "--version", "-V"]);

function checkName(name: string): string {
  const problem = packageNameProblem(name, "service name");
  if (problem !== null) throw usageError(problem);
  return name;
}

function checkAgent(agent: string): string {
  if (agent === "" || /[\s/?#%]/.test(agent)) throw usageError(`invalid agent id ${JSON.stringify(agent)} (see \`sysward agents\`)`);
  return agent;
}

function wholeNumber(text: string, option: string, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n > max) throw usageError(`--${option} must be a whole number from 0 to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

function fleetQuery(values: Record<string, string | boolean | undefined>, states: readonly string[], usage: string): FleetQuery {
  const q: FleetQuery = {};
  for (const k of ["selector", "state", "name", "version"] as const) if (typeof values[k] === "string") q[k] = values[k];
  if (q.selector !== undefined) {
    try {
      parseSelector(q.selector);
    } catch (err) {
      throw usageError(`--selector: ${(err as Error).message}; usage: ${usage}`);
    }
  }
  if (q.state !== undefined && !states.includes(q.state)) throw usageError(`--state must be one of ${states.join(", ")}, not ${JSON.stringify(q.state)}`);
  return q;
}

export function parseCommandLine(argv: readonly string[]): Invocation {
  const commandIndex = argv.findIndex((a) => !a.startsWith("-"));
  const leading = commandIndex === -1 ? argv : argv.slice(0, commandIndex);
  const unknownLeading = leading.find((a) => !LEADING_FLAGS.has(a));
  if (unknownLeading !== undefined) {
    throw usageError(`unknown option ${unknownLeading} before the command (options go after it: sysward <command> [options])`);
  }
  if (leading.includes("--version") || leading.includes("-V")) return { command: "version" };
  if (commandIndex === -1) return { command: "help" };
  const word = argv[commandIndex]!;
  const rest = argv.slice(commandIndex + 1);
  if (word === "help") return rest[0] ? { command: "help", topic: rest[0] } : { command: "help" };
  const spec = COMMANDS[word];
  if (!spec) throw usageError(`unknown command ${JSON.stringify(word)}; run \`sysward --help\` for the list`);
  if (leading.includes("--help") || leading.includes("-h")) return { command: "help", topic: word };

  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...COMMON_OPTIONS, ...spec.options }, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs' first sentence is good ("Unknown option '--x'"); the rest is advice for
    // programmers. Add the command's usage line instead.
    const first = (err as Error).message.split("\n")[0]!.split(". ")[0]!.replace(/\.$/, "");
    throw usageError(`${first}; usage: ${spec.usage}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { command: "help", topic: word };
  const json = leading.includes("--json") || values.json === true;

  const pos = parsed.positionals;
  const tooFew = pos.length < spec.positionals.length + (spec.rest ? 1 : 0);
  if (tooFew || (!spec.rest && pos.length !== spec.positionals.length)) {
    const missing = [...spec.positionals, ...(spec.rest ? [spec.rest] : [])].slice(pos.length);
    const problem = missing.length > 0 ? `missing ${missing.map((p) => `<${p}>`).join(" ")}` : `unexpected argument ${JSON.stringify(pos[spec.positionals.length])}`;
    throw usageError(`${problem}; usage: ${spec.usage}`);
  }
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);

  switch (word) {
    case "login": {
      const token = str("token");
      return { command: "login", json, url: normalizeConsoleUrl(pos[0]!), ...(token !== undefined ? { token } : {}) };
    }
    case "agents":
    case "services":
      return { command: word, json, filter: fleetQuery(values, word === "agents" ? MACHINE_STATES : SERVICE_STATES, spec.usage) };
    case "install": {
      const health = str("health");
      return {
        command: "install",
        json,
        agent: checkAgent(pos[0]!),
        name: checkName(pos[1]!),
        zip: pos[2]!,
        ...(health !== undefined ? { healthSeconds: wholeNumber(health, "health", MAX_HEALTH_SECONDS) } : {}),
      };
    }
    case "ls":
      return { command: "ls", json, agent: checkAgent(pos[0]!) };
    case "logs": {
      const tail = str("tail");
      return {
        command: "logs",
        json,
        agent: checkAgent(pos[0]!),
        name: checkName(pos[1]!),
        follow: values.follow === true,
        tailLines: tail === undefined ? DEFAULT_TAIL_LINES : wholeNumber(tail, "tail", 100_000),
      };
    }
    case "perf":
      return { command: "perf", json, agent: checkAgent(pos[0]!), watch: values.watch === true };
    case "alerts": {
      const state = str("state");
      if (state !== undefined && !(ALERT_STATES as readonly string[]).includes(state)) throw usageError(`--state must be one of ${ALERT_STATES.join(", ")}; usage: ${spec.usage}`);
      const agent = str("agent");
      return { command: "alerts", json, ...(state !== undefined ? { state: state as AlertStateFilter } : {}), ...(agent !== undefined ? { agent: checkAgent(agent) } : {}) };
    }
    case "label": {
      let edits: LabelEdits;
      try {
        edits = parseLabelEdits(pos.slice(1));
      } catch (err) {
        throw usageError(`${(err as Error).message}; usage: ${spec.usage}`);
      }
      return { command: "label", json, agent: checkAgent(pos[0]!), edits };
    }
    default: {
      const version = str("to");
      return {
        command: "service",
        json,
        action: word as ServiceAction,
        agent: checkAgent(pos[0]!),
        name: checkName(pos[1]!),
        ...(version !== undefined ? { version } : {}),
      };
    }
  }
}

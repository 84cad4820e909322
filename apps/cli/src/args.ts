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
  | { command: "machines-add"; json: boolean; machine: NewMachine }
  | { command: "machines-remove"; json: boolean; agent: string }
  | { command: "ssh-key"; json: boolean }
  | { command: "rollout"; json: boolean; name: string; zip: string; selector: string; strategy: RolloutOptions }
  | { command: "rollouts"; json: boolean }
  | { command: "rollout-action"; json: boolean; action: RolloutAction; id: number }
  | { command: "alerts"; json: boolean; state?: AlertStateFilter; agent?: string };

/** What `sysward machines add` asks the console for: an enrollment, or a machine reached by SSH. */
export type NewMachine =
  /** consoleUrl: as the new machine reaches the console (default: the URL the CLI uses). */
  | { kind: "enrollment"; name: string; id?: string; listen?: string; consoleUrl?: string; expiresInMinutes?: number }
  | { kind: "ssh"; name: string; id?: string; ssh: string; hostKey?: string; dataDir?: string };

/** Commands of two words (`sysward machines add`): the first word, and its second words. */
export const COMMAND_GROUPS: Record<string, readonly string[]> = { machines: ["add", "remove"] };

export const ROLLOUT_ACTIONS = ["status", "cancel", "revert", "approve"] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/** The strategy fields the console's /api/rollouts takes, as text (the console checks them too). */
export type RolloutOptions = Partial<Record<"canary" | "batch" | "healthSeconds" | "pauseSeconds" | "onFailure" | "approveAfterCanary" | "waitForDown", string>>;

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
  "machines add": {
    positionals: [],
    options: {
      name: { type: "string" },
      id: { type: "string" },
      listen: { type: "string" },
      "console-url": { type: "string" },
      expires: { type: "string" },
      ssh: { type: "string" },
      "host-key": { type: "string" },
      "data-dir": { type: "string" },
    },
    usage:
      "sysward machines add --name <name> [--listen <host:port>] [--console-url <url>] [--expires <minutes>] | --name <name> --ssh <user@host[:port]> [--host-key <SHA256:…>] [--data-dir <dir>]",
    summary:
      "add a machine: prints the one command to paste on it (token, CA fingerprint, expiry); with --ssh, reaches its agent over SSH (the first call shows the host key to confirm with --host-key)",
  },
  "machines remove": { positionals: ["agent"], options: {}, usage: "sysward machines remove <agent>", summary: "remove a machine from the console (an enrolled one's certificate is revoked)" },
  "ssh-key": { positionals: [], options: {}, usage: "sysward ssh-key", summary: "the console's SSH public key, for the authorized_keys of machines added by SSH (admins)" },
  rollout: {
    positionals: ["name", "zip"],
    options: {
      selector: { type: "string", short: "l" },
      canary: { type: "string" },
      batch: { type: "string" },
      health: { type: "string" },
      pause: { type: "string" },
      "on-failure": { type: "string" },
      approve: { type: "boolean" },
      "wait-for-down": { type: "boolean" },
    },
    usage:
      "sysward rollout <name> <zip> --selector <labels> [--canary N] [--batch N|N%] [--health S] [--pause S] [--approve] [--wait-for-down] [--on-failure stop|revert-all]\n" +
      "       sysward rollout status|cancel|revert|approve <id>",
    summary: "deploy a ZIP to every machine the selector picks in health-gated waves, following its progress (exit 1: stopped; 6: another rollout of it runs)",
  },
  rollouts: { positionals: [], options: {}, usage: "sysward rollouts", summary: "the console's rollouts, newest first" },
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

function rolloutSelector(text: string | undefined, usage: string): string {
  if (text === undefined) throw usageError(`missing --selector: a rollout goes to the machines whose labels match it; usage: ${usage}`);
  try {
    parseSelector(text);
  } catch (err) {
    throw usageError(`--selector: ${(err as Error).message}`);
  }
  return text;
}

function rolloutOptions(values: Record<string, string | boolean | undefined>): RolloutOptions {
  const o: RolloutOptions = {};
  const text = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const canary = text("canary");
  if (canary !== undefined) o.canary = String(wholeNumber(canary, "canary", 100_000));
  const batch = text("batch");
  if (batch !== undefined) {
    if (!/^[1-9]\d*%?$/.test(batch.trim()) || (batch.endsWith("%") && Number(batch.slice(0, -1)) > 100)) {
      throw usageError(`--batch must be a count of machines (2) or a percentage of them from 1% to 100% (25%), not ${JSON.stringify(batch)}`);
    }
    o.batch = batch.trim();
  }
  const health = text("health");
  if (health !== undefined) o.healthSeconds = String(wholeNumber(health, "health", MAX_HEALTH_SECONDS));
  const pause = text("pause");
  if (pause !== undefined) o.pauseSeconds = String(wholeNumber(pause, "pause", 86_400));
  const onFailure = text("on-failure");
  if (onFailure !== undefined) {
    if (onFailure !== "stop" && onFailure !== "revert-all") throw usageError(`--on-failure must be stop or revert-all, not ${JSON.stringify(onFailure)}`);
    o.onFailure = onFailure;
  }
  if (values.approve === true) o.approveAfterCanary = "true";
  if (values["wait-for-down"] === true) o.waitForDown = "true";
  return o;
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
  const first = argv[commandIndex]!;
  if (first === "help") {
    const topic = argv.slice(commandIndex + 1, commandIndex + 3);
    if (topic.length === 0) return { command: "help" };
    return { command: "help", topic: COMMAND_GROUPS[topic[0]!] && topic[1] ? topic.join(" ") : topic[0]! };
  }
  const group = COMMAND_GROUPS[first];
  const second = argv[commandIndex + 1];
  if (group && (second === undefined || second.startsWith("-"))) {
    if (second === "--help" || second === "-h") return { command: "help", topic: first };
    throw usageError(`${first} needs one of: ${group.join(", ")}; usage: ${group.map((g) => COMMANDS[`${first} ${g}`]!.usage).join("; ")}`);
  }
  if (group && !group.includes(second!)) throw usageError(`unknown command "${first} ${second}"; ${first} takes ${group.join(" or ")}`);
  const word = group ? `${first} ${second}` : first;
  const rest = argv.slice(commandIndex + (group ? 2 : 1));
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
  // `rollout status 12`; with --selector, "status" is the name of the service to roll out.
  if (word === "rollout" && pos.length === 2 && values.selector === undefined && (ROLLOUT_ACTIONS as readonly string[]).includes(pos[0]!)) {
    if (!/^\d+$/.test(pos[1]!)) throw usageError(`a rollout id is a whole number, not ${JSON.stringify(pos[1])} (see \`sysward rollouts\`)`);
    return { command: "rollout-action", json, action: pos[0] as RolloutAction, id: Number(pos[1]) };
  }
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
    case "machines add":
      return { command: "machines-add", json, machine: newMachine(str) };
    case "machines remove":
      return { command: "machines-remove", json, agent: checkAgent(pos[0]!) };
    case "ssh-key":
      return { command: "ssh-key", json };
    case "rollout":
      return { command: "rollout", json, name: checkName(pos[0]!), zip: pos[1]!, selector: rolloutSelector(str("selector"), spec.usage), strategy: rolloutOptions(values) };
    case "rollouts":
      return { command: "rollouts", json };
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

const ENROLLMENT_ONLY = ["listen", "console-url", "expires"] as const;
const SSH_ONLY = ["host-key", "data-dir"] as const;

function newMachine(str: (name: string) => string | undefined): NewMachine {
  const usage = COMMANDS["machines add"]!.usage;
  const name = str("name")?.trim();
  if (!name) throw usageError(`--name is required; usage: ${usage}`);
  const id = str("id");
  const ssh = str("ssh");
  const misplaced = (ssh === undefined ? SSH_ONLY : ENROLLMENT_ONLY).find((o) => str(o) !== undefined);
  if (misplaced) throw usageError(ssh === undefined ? `--${misplaced} goes with --ssh` : `--${misplaced} is for an enrolled machine, not one added with --ssh`);
  if (ssh !== undefined) {
    const hostKey = str("host-key");
    const dataDir = str("data-dir");
    if (hostKey !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(hostKey.trim())) throw usageError(`--host-key is the SHA256:… fingerprint the first call showed (or ssh-keygen -lf prints), not ${JSON.stringify(hostKey)}`);
    return { kind: "ssh", name, ssh, ...(id ? { id } : {}), ...(hostKey ? { hostKey: hostKey.trim() } : {}), ...(dataDir ? { dataDir } : {}) };
  }
  const listen = str("listen");
  const consoleUrl = str("console-url");
  const expires = str("expires");
  return {
    kind: "enrollment",
    name,
    ...(id ? { id } : {}),
    ...(listen ? { listen } : {}),
    ...(consoleUrl ? { consoleUrl: normalizeConsoleUrl(consoleUrl) } : {}),
    ...(expires !== undefined ? { expiresInMinutes: Math.max(1, wholeNumber(expires, "expires", 7 * 24 * 60)) } : {}),
  };
}

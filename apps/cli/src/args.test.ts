import { describe, expect, it } from "vitest";
import { DEFAULT_TAIL_LINES, parseCommandLine } from "./args";
import { CliError } from "./cli-error";
import { ExitCode } from "./exit-codes";

function usageMessage(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(ExitCode.Usage);
    return (err as CliError).message;
  }
  throw new Error(`parsed without error: ${argv.join(" ")}`);
}

describe("parseCommandLine", () => {
  it("reads every command's positionals and options", () => {
    expect(parseCommandLine(["login", "http://h:3000/", "--token", "swt_x"])).toEqual({ command: "login", json: false, url: "http://h:3000", token: "swt_x" });
    expect(parseCommandLine(["agents", "--json"])).toEqual({ command: "agents", json: true, filter: {} });
    expect(parseCommandLine(["alerts"])).toEqual({ command: "alerts", json: false });
    expect(parseCommandLine(["alerts", "--state", "firing", "--agent", "web1", "--json"])).toEqual({ command: "alerts", json: true, state: "firing", agent: "web1" });
    expect(parseCommandLine(["agents", "--selector", "env=prod,role in (web,api)", "--state", "down"])).toEqual({ command: "agents", json: false, filter: { selector: "env=prod,role in (web,api)", state: "down" } });
    expect(parseCommandLine(["services", "-l", "!canary", "--state", "failed", "--name", "api", "--version", "3-"])).toEqual({ command: "services", json: false, filter: { selector: "!canary", state: "failed", name: "api", version: "3-" } });
    expect(parseCommandLine(["install", "local", "hello", "./h.zip", "--health=30"])).toEqual({
      command: "install",
      json: false,
      agent: "local",
      name: "hello",
      zip: "./h.zip",
      healthSeconds: 30,
    });
    expect(parseCommandLine(["install", "local", "hello", "h.zip"])).not.toHaveProperty("healthSeconds");
    expect(parseCommandLine(["ls", "local"])).toEqual({ command: "ls", json: false, agent: "local" });
    expect(parseCommandLine(["logs", "-f", "local", "hello"])).toEqual({ command: "logs", json: false, agent: "local", name: "hello", follow: true, tailLines: DEFAULT_TAIL_LINES });
    expect(parseCommandLine(["logs", "local", "hello", "-n", "5"])).toMatchObject({ follow: false, tailLines: 5 });
    expect(parseCommandLine(["perf", "local", "-w"])).toEqual({ command: "perf", json: false, agent: "local", watch: true });
    expect(parseCommandLine(["rollback", "local", "hello", "--to", "1-abc"])).toEqual({ command: "service", json: false, action: "rollback", agent: "local", name: "hello", version: "1-abc" });
    for (const action of ["restart", "start", "stop", "rm"]) {
      expect(parseCommandLine([action, "a1", "svc"])).toEqual({ command: "service", json: false, action, agent: "a1", name: "svc" });
    }
    expect(parseCommandLine(["label", "web1", "env=prod", "role=web", "canary-"])).toEqual({ command: "label", json: false, agent: "web1", edits: { set: { env: "prod", role: "web" }, remove: ["canary"] } });
  });

  it("takes --json and --help before or after the command", () => {
    expect(parseCommandLine(["--json", "ls", "local"])).toMatchObject({ command: "ls", json: true });
    expect(parseCommandLine(["ls", "local", "--json"])).toMatchObject({ command: "ls", json: true });
    expect(parseCommandLine(["--help", "install"])).toEqual({ command: "help", topic: "install" });
    expect(parseCommandLine(["install", "-h"])).toEqual({ command: "help", topic: "install" });
    expect(parseCommandLine(["help", "logs"])).toEqual({ command: "help", topic: "logs" });
    expect(parseCommandLine([])).toEqual({ command: "help" });
    expect(parseCommandLine(["--version"])).toEqual({ command: "version" });
  });

  it("refuses what a command does not take, naming its usage", () => {
    expect(usageMessage(["deploy"])).toMatch(/unknown command "deploy"/);
    expect(usageMessage(["ls"])).toBe("missing <agent>; usage: sysward ls <agent>");
    expect(usageMessage(["install", "local", "hello"])).toMatch(/^missing <zip>; usage: sysward install/);
    expect(usageMessage(["ls", "local", "extra"])).toMatch(/^unexpected argument "extra"/);
    expect(usageMessage(["ls", "local", "--watch"])).toMatch(/Unknown option '--watch'.*usage: sysward ls <agent>/);
    expect(usageMessage(["--token", "x", "login"])).toMatch(/unknown option --token before the command/);
    expect(usageMessage(["install", "local", "hello", "h.zip", "--health"])).toMatch(/argument missing/);
    expect(usageMessage(["agents", "--selector", "env=prod,"])).toMatch(/^--selector: expected a label key at 10 \(end of selector\); usage: sysward agents/);
    expect(usageMessage(["agents", "--state", "sleeping"])).toBe("--state must be one of up, down, connecting, failing, not \"sleeping\"");
    expect(usageMessage(["services", "--state", "up"])).toMatch(/^--state must be one of running, failed/);
    expect(usageMessage(["alerts", "--state", "burning"])).toBe("--state must be one of firing, pending, silenced, resolved; usage: sysward alerts [--state firing|pending|silenced|resolved] [--agent <id>]");
    expect(usageMessage(["label", "web1"])).toBe("missing <key=value|key->; usage: sysward label <agent> key=value|key- [key=value|key- …]");
    expect(usageMessage(["label", "web1", "env"])).toMatch(/^"env" is neither key=value .*; usage: sysward label/);
    expect(usageMessage(["label", "web1", "env=a b"])).toMatch(/label value "a b"/);
  });

  it("checks names, numbers and URLs before anything is sent", () => {
    expect(usageMessage(["install", "local", "my-app", "a.zip"])).toMatch(/invalid service name "my-app": names are letters and digits only/);
    expect(usageMessage(["rm", "local", "x".repeat(65)])).toMatch(/invalid service name/);
    expect(usageMessage(["ls", "a/b"])).toMatch(/invalid agent id/);
    expect(usageMessage(["install", "local", "hello", "a.zip", "--health", "-1"])).toMatch(/^Option '--health' argument is ambiguous; usage: /);
    expect(usageMessage(["install", "local", "hello", "a.zip", "--health", "3601"])).toMatch(/--health must be a whole number from 0 to 3600/);
    expect(usageMessage(["install", "local", "hello", "a.zip", "--health", "1.5"])).toMatch(/--health must be a whole number/);
    expect(usageMessage(["logs", "local", "hello", "-n", "lots"])).toMatch(/--tail must be a whole number/);
    expect(usageMessage(["login", "ftp://h", "--token", "t"])).toMatch(/must start with http:\/\/ or https:\/\//);
    expect(usageMessage(["login", "not a url", "--token", "t"])).toMatch(/not a URL/);
  });

  it("reads `machines add` either way, `machines remove` and `ssh-key`", () => {
    expect(parseCommandLine(["machines", "add", "--name", "Web 1", "--listen", "10.0.0.5:7443", "--expires", "15", "--json"])).toEqual({
      command: "machines-add",
      json: true,
      machine: { kind: "enrollment", name: "Web 1", listen: "10.0.0.5:7443", expiresInMinutes: 15 },
    });
    expect(parseCommandLine(["machines", "add", "--name", "db", "--ssh", "sw@10.0.0.6:2222", "--host-key", `SHA256:${"A".repeat(43)}`])).toEqual({
      command: "machines-add",
      json: false,
      machine: { kind: "ssh", name: "db", ssh: "sw@10.0.0.6:2222", hostKey: `SHA256:${"A".repeat(43)}` },
    });
    expect(parseCommandLine(["machines", "remove", "web-1"])).toEqual({ command: "machines-remove", json: false, agent: "web-1" });
    expect(parseCommandLine(["ssh-key"])).toEqual({ command: "ssh-key", json: false });
    expect(parseCommandLine(["help", "machines", "add"])).toEqual({ command: "help", topic: "machines add" });
    expect(parseCommandLine(["machines", "--help"])).toEqual({ command: "help", topic: "machines" });
  });

  it("refuses a `machines` line that mixes the two ways or lacks what it needs", () => {
    expect(usageMessage(["machines"])).toMatch(/^machines needs one of: add, remove; usage: sysward machines add /);
    expect(usageMessage(["machines", "list"])).toBe('unknown command "machines list"; machines takes add or remove');
    expect(usageMessage(["machines", "add", "--ssh", "sw@h"])).toMatch(/^--name is required; usage: /);
    expect(usageMessage(["machines", "add", "--name", "a", "--host-key", "SHA256:x"])).toBe("--host-key goes with --ssh");
    expect(usageMessage(["machines", "add", "--name", "a", "--ssh", "sw@h", "--listen", "h:1"])).toBe("--listen is for an enrolled machine, not one added with --ssh");
    expect(usageMessage(["machines", "add", "--name", "a", "--ssh", "sw@h", "--host-key", "MD5:aa"])).toMatch(/^--host-key is the SHA256:… fingerprint/);
    expect(usageMessage(["machines", "add", "--name", "a", "--expires", "soon"])).toMatch(/--expires must be a whole number/);
    expect(usageMessage(["machines", "remove"])).toMatch(/^missing <agent>/);
  });

  it("reads a rollout's strategy, and its status, cancel, revert and approve by id", () => {
    expect(parseCommandLine(["rollout", "web", "w.zip", "-l", "role=web", "--canary", "2", "--batch", "25%", "--health", "10", "--on-failure", "revert-all", "--approve"])).toEqual({
      command: "rollout",
      json: false,
      name: "web",
      zip: "w.zip",
      selector: "role=web",
      strategy: { canary: "2", batch: "25%", healthSeconds: "10", onFailure: "revert-all", approveAfterCanary: "true" },
    });
    expect(parseCommandLine(["rollout", "revert", "12", "--json"])).toEqual({ command: "rollout-action", json: true, action: "revert", id: 12 });
    expect(parseCommandLine(["rollouts"])).toEqual({ command: "rollouts", json: false });
    // A service may be called "status": with a ZIP it is a rollout of that service.
    expect(parseCommandLine(["rollout", "status", "s.zip", "--selector", "a"])).toMatchObject({ command: "rollout", name: "status" });
    expect(usageMessage(["rollout", "web", "w.zip"])).toMatch(/missing --selector/);
    expect(usageMessage(["rollout", "web", "w.zip", "-l", "role=("])).toMatch(/^--selector: /);
    expect(usageMessage(["rollout", "web", "w.zip", "-l", "a", "--batch", "101%"])).toMatch(/--batch must be a count/);
    expect(usageMessage(["rollout", "web", "w.zip", "-l", "a", "--on-failure", "retry"])).toMatch(/--on-failure must be stop or revert-all/);
    expect(usageMessage(["rollout", "cancel", "x"])).toMatch(/a rollout id is a whole number/);
  });
});

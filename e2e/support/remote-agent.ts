// A second machine for the remote-agent spec: an AgentProcess on a free 127.0.0.1 port, enrolled
// by running the command the console page showed, word for word, then started plainly so it
// opens its mTLS listener.
import { spawn } from "node:child_process";
import { AgentProcess, repo } from "./agent-process";
import { freePort } from "./host-checks";

/** What the console's command starts with (lib/server/pki/enroll-routes.ts): run from a checkout. */
const COMMAND_PREFIX = ["node", "apps/agent/dist/agent.mjs", "enroll"];

export interface EnrollRun {
  code: number | null;
  output: string;
}

export class RemoteAgent extends AgentProcess {
  private constructor(
    root: string,
    dataDir: string,
    readonly port: number,
  ) {
    super(root, dataDir);
  }

  static async create(): Promise<RemoteAgent> {
    const { root, dataDir } = AgentProcess.makeRoot("sysward-e2e-remote-");
    return new RemoteAgent(root, dataDir, await freePort());
  }

  /** What the admin types as "its agent will listen on". */
  get listen(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Runs the console's enrollment command as given (`node` is this node), in the checkout. */
  enroll(command: string): Promise<EnrollRun> {
    const words = command.trim().split(/\s+/);
    if (COMMAND_PREFIX.some((w, i) => words[i] !== w)) throw new Error(`not an enrollment command: ${command}`);
    const child = spawn(process.execPath, words.slice(1), { cwd: repo, env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    return new Promise((r) => child.once("exit", (code) => r({ code, output })));
  }

  /** Starts the agent plainly (listen.json says where) and checks it listens where it enrolled. */
  override async start(timeoutMs = 20_000): Promise<string> {
    const ready = await super.start(timeoutMs);
    const tcp = (JSON.parse(ready) as { tcp?: { port?: number } }).tcp;
    if (tcp?.port !== this.port) throw new Error(`the remote agent is ready but not listening on ${this.listen}: ${ready}`);
    return ready;
  }
}

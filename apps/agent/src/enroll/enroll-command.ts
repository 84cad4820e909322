// The `enroll` subcommand (main.ts hands it argv): parse, enrol, tell the person what happened
// and what to do next. Exit codes: 0 enrolled, 1 refused or unreachable, 2 bad usage.
import { resolve } from "node:path";
import { defaultDataDir } from "../config";
import { ENROLL_USAGE, EnrollUsageError, parseEnrollArgs } from "./enroll-args";
import { enrollAgent } from "./enroll-agent";
import { EnrollError } from "./enroll-request";

export async function runEnrollCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args;
  try {
    args = parseEnrollArgs(argv);
  } catch (err) {
    if (!(err instanceof EnrollUsageError)) throw err;
    process.stderr.write(`sysward-agent enroll: ${err.message}\n${ENROLL_USAGE}\n`);
    return 2;
  }
  const dataDir = resolve(env.SYSWARD_DATA_DIR || defaultDataDir(env));
  const url = new URL(args.consoleUrl);
  if (url.protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) {
    process.stderr.write(`sysward-agent enroll: warning: ${args.consoleUrl} is plain http (--insecure-http); the tokens cross the network unencrypted\n`);
  }
  try {
    const r = await enrollAgent(args, dataDir);
    process.stdout.write(
      `sysward-agent: enrolled as "${r.agentId}" (${r.name}); the console connects to ${r.address}\n` +
        `  certificate and key: ${r.tlsDir}\n` +
        `  listener: ${args.listen}, saved in ${r.listenFile}\n` +
        `Restart the agent (same SYSWARD_DATA_DIR) to open its TCP listener; the console shows the machine as up once it answers.\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof EnrollError)) throw err;
    process.stderr.write(`sysward-agent enroll: ${err.message}\n`);
    return 1;
  }
}

// `npm run agent`: start the agent with config from the environment; stop cleanly on SIGTERM/SIGINT.
// `… enroll <console-url> <token> --listen host:port`: enrol with a console instead (src/enroll/).
import { loadConfig, ConfigError } from "./config";
import { startAgent } from "./agent";
import { AgentLockedError } from "./lifecycle/data-dir";
import { createLogger } from "./logger";

async function main(): Promise<void> {
  if (process.argv[2] === "enroll") {
    const { runEnrollCommand } = await import("./enroll/enroll-command");
    process.exit(await runEnrollCommand(process.argv.slice(3)));
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sysward-agent: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let agent;
  try {
    agent = await startAgent(config, logger);
  } catch (err) {
    if (err instanceof AgentLockedError) {
      process.stderr.write(`sysward-agent: ${err.message}\n`);
      logger.flush();
      process.exit(3);
    }
    throw err;
  }
  logger.info({ dataDir: config.dataDir, socket: config.socketPath, tcp: agent.tcpAddress }, "agent ready");
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await agent.stop();
    logger.info("stopped");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`sysward-agent: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

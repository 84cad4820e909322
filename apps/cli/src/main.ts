// The `sysward` process: wires runCli to the real stdin/stdout/stderr, turns Ctrl-C into an abort
// (a second Ctrl-C exits at once), and exits with runCli's code.
import { runCli } from "./cli";
import { ExitCode } from "./exit-codes";

const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(ExitCode.Interrupted);
  interrupt.abort(new Error("interrupted"));
});
// `sysward logs -f … | head` closes our stdout: that is the reader being done, not a failure.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(ExitCode.Ok);
  throw err;
});

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
});
// Exit now rather than wait for idle keep-alive sockets; stdout and stderr are synchronous for
// files and pipes on Linux, so nothing written is lost.
process.exit(code);

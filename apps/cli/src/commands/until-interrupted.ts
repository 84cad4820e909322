// For streams that run until Ctrl-C (logs -f, perf --watch): Ctrl-C is their normal end, so it
// exits 130 like `tail -f`, without an error line.
import { CliError } from "../cli-error";
import { ExitCode } from "../exit-codes";
import type { CommandContext } from "./command-context";

export async function untilInterrupted(ctx: CommandContext, follow: () => Promise<void>): Promise<void> {
  try {
    await follow();
  } catch (err) {
    if (ctx.signal.aborted) throw new CliError(ExitCode.Interrupted, "");
    throw err;
  }
}

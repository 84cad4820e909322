// What every command gets: the environment (credentials), the output, and the signal that
// Ctrl-C aborts (pass it to every call so an interrupted stream is cancelled, not abandoned).
import type { Output } from "../output";

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  out: Output;
  signal: AbortSignal;
  stdin: NodeJS.ReadableStream;
}


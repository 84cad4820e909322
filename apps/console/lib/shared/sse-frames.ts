// Server-Sent Events framing, read side: what a non-browser client of the fleet stream (the
// tests, the benchmark) needs to cut frames out of the bytes. Pure.

export interface SseFrame {
  event: string;
  id: string;
  data: string;
}

/** The complete frames at the start of `text` (comments skipped) and what is left over. */
export function takeSseFrames(text: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  let rest = text;
  for (let end = rest.indexOf("\n\n"); end !== -1; end = rest.indexOf("\n\n")) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const f: Record<string, string> = {};
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const key = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      f[key] = key === "data" && f.data !== undefined ? `${f.data}\n${value}` : value;
    }
    if (f.data !== undefined) frames.push({ event: f.event ?? "message", id: f.id ?? "", data: f.data });
  }
  return { frames, rest };
}

/** Reads frames off a stream of bytes (a fetch body), one at a time. */
export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #ready: SseFrame[] = [];
  #buf = "";

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next frame; throws once the stream has ended. */
  async next(): Promise<SseFrame> {
    while (this.#ready.length === 0) {
      const { done, value } = await this.#reader.read();
      if (done) throw new Error("the stream ended");
      const { frames, rest } = takeSseFrames(this.#buf + this.#decoder.decode(value, { stream: true }));
      this.#buf = rest;
      this.#ready.push(...frames);
    }
    return this.#ready.shift()!;
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

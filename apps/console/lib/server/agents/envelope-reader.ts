// gRPC's length-prefixed messages (a flags byte, a 4-byte big-endian length, the message), read
// from the chunks of a stream as they come. A whole message inside a chunk is handed over without
// a copy; one split across chunks is gathered into a buffer of its announced size, so a reader
// holds at most one message and nothing between messages.
import { Code, ConnectError } from "@connectrpc/connect";

const PREFIX = 5;

export class EnvelopeReader {
  readonly #max: number;
  readonly #onMessage: (flags: number, message: Uint8Array) => void;
  /** The prefix of a message split across chunks, while incomplete. */
  #prefix: Buffer | undefined;
  #prefixLength = 0;
  /** The message being gathered and how much of it has arrived. */
  #body: Buffer | undefined;
  #bodyLength = 0;
  #flags = 0;

  constructor(maxMessageBytes: number, onMessage: (flags: number, message: Uint8Array) => void) {
    this.#max = maxMessageBytes;
    this.#onMessage = onMessage;
  }

  /** Whether a message has begun and not ended (a stream ending now is cut short). */
  get partial(): boolean {
    return this.#prefixLength > 0 || this.#body !== undefined;
  }

  /** Reads `chunk`; throws ResourceExhausted for a message over the bound, or what onMessage throws. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#body) {
        const n = Math.min(this.#body.length - this.#bodyLength, chunk.length - at);
        chunk.copy(this.#body, this.#bodyLength, at, at + n);
        this.#bodyLength += n;
        at += n;
        if (this.#bodyLength === this.#body.length) {
          const body = this.#body;
          this.#body = undefined;
          this.#onMessage(this.#flags, body);
        }
        continue;
      }
      let prefix: Buffer;
      let prefixAt: number;
      if (this.#prefixLength === 0 && chunk.length - at >= PREFIX) {
        prefix = chunk;
        prefixAt = at;
        at += PREFIX;
      } else {
        this.#prefix ??= Buffer.alloc(PREFIX);
        const n = Math.min(PREFIX - this.#prefixLength, chunk.length - at);
        chunk.copy(this.#prefix, this.#prefixLength, at, at + n);
        this.#prefixLength += n;
        at += n;
        if (this.#prefixLength < PREFIX) return;
        prefix = this.#prefix;
        prefixAt = 0;
        this.#prefixLength = 0;
      }
      const flags = prefix[prefixAt]!;
      const length = prefix.readUInt32BE(prefixAt + 1);
      if (length > this.#max) throw new ConnectError(`message size ${length} is larger than the limit ${this.#max}`, Code.ResourceExhausted);
      if (chunk.length - at >= length) {
        const message = chunk.subarray(at, at + length);
        at += length;
        this.#onMessage(flags, message);
      } else {
        this.#flags = flags;
        this.#body = Buffer.allocUnsafe(length);
        this.#bodyLength = 0;
      }
    }
  }
}

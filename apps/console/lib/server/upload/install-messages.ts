import "server-only";
// Turns the uploaded file stream into the Install client stream: the header, then the bytes in
// chunks of about CHUNK_BYTES. Pulling (for await) is what gives backpressure: the next piece of
// the browser's upload is read only when the agent's HTTP/2 stream took the previous one.
import { create } from "@bufbuild/protobuf";
import { InstallRequestSchema, type InstallHeader, type InstallRequest } from "@sysward/proto";
import type { Readable } from "node:stream";

/** Fewer, larger messages cost less per byte; small enough to keep memory flat. */
export const CHUNK_BYTES = 256 * 1024;

export interface ByteCounter {
  bytes: number;
  /** Set when the whole file has been handed to the agent. */
  complete: boolean;
}

export async function* installMessages(header: InstallHeader, file: Readable, counter: ByteCounter): AsyncGenerator<InstallRequest> {
  yield create(InstallRequestSchema, { msg: { case: "header", value: header } });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of file as AsyncIterable<Buffer>) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= CHUNK_BYTES) {
      const value = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      counter.bytes += value.length;
      yield create(InstallRequestSchema, { msg: { case: "chunk", value } });
    }
  }
  if (pendingBytes > 0) {
    counter.bytes += pendingBytes;
    yield create(InstallRequestSchema, { msg: { case: "chunk", value: Buffer.concat(pending, pendingBytes) } });
  }
  counter.complete = true;
}

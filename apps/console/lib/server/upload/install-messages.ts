import "server-only";
// Turns the uploaded file stream into the Install client stream: the header, then the bytes in
// chunks of about CHUNK_BYTES. Pulling (for await) is what gives backpressure: the next piece of
// the browser's upload is read only when the agent's HTTP/2 stream took the previous one.
// With a declared size (sizeBytes) the call is cancelled, before the stream ends, as soon as the
// file is longer than declared or ends shorter: the agent sees a cancelled Install, never a
// finished package of the wrong length, and discards what it staged.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { InstallRequestSchema, type InstallHeader, type InstallRequest } from "@sysward/proto";
import type { Readable } from "node:stream";
import { sizeMismatchMessage } from "./declared-size";

/** Fewer, larger messages cost less per byte; small enough to keep memory flat. */
const CHUNK_BYTES = 256 * 1024;

export interface ByteCounter {
  bytes: number;
  /** Set when the whole file has been handed to the agent. */
  complete: boolean;
  /** Set when the file's length differed from the declared one (why the call was cancelled). */
  mismatch?: ConnectError;
}

export interface SizeCheck {
  /** The file's length as the client declared it (sizeBytes). */
  declaredBytes: number;
  /** Cancels the Install call. */
  cancel: AbortController;
}

export async function* installMessages(header: InstallHeader, file: Readable, counter: ByteCounter, check?: SizeCheck): AsyncGenerator<InstallRequest> {
  const declaredBytes = check?.declaredBytes;
  const refuse = (received: number, over: boolean) => {
    counter.mismatch = new ConnectError(sizeMismatchMessage(declaredBytes!, received, over), Code.InvalidArgument);
    // A Canceled reason makes connect-node reset the stream with CANCEL (any other code, or only
    // throwing here, resets it with INTERNAL_ERROR, which the agent would log as its own error).
    check!.cancel.abort(new ConnectError(counter.mismatch.rawMessage, Code.Canceled));
    return counter.mismatch;
  };
  yield create(InstallRequestSchema, { msg: { case: "header", value: header } });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let received = 0;
  for await (const chunk of file as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (declaredBytes !== undefined && received > declaredBytes) throw refuse(received, true);
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
  if (declaredBytes !== undefined && received !== declaredBytes) throw refuse(received, false);
  if (pendingBytes > 0) {
    counter.bytes += pendingBytes;
    yield create(InstallRequestSchema, { msg: { case: "chunk", value: Buffer.concat(pending, pendingBytes) } });
  }
  counter.complete = true;
}
